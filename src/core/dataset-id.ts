import { SluiceError } from './errors.ts';
import { boundedValue, preview } from './option-checks.ts';

/** A dataset id names an isolated sync domain. It becomes part of file names, IndexedDB names and wire frames. */
export type DatasetId = string;

export const PRIMARY_DATASET: DatasetId = 'primary';

/**
 * Short and safe in every place a dataset id ends up: a file name on any OS, an IndexedDB name,
 * a log line. Lower case only, so that `Logs` and `logs` can never become two files on Linux and one on macOS.
 */
const DATASET_ID_PATTERN = /^[a-z][a-z0-9_-]{0,47}$/;

export function isValidDatasetId(value: unknown): value is DatasetId {
  return typeof value === 'string' && DATASET_ID_PATTERN.test(value);
}

export function assertDatasetId(value: unknown): DatasetId {
  if (!isValidDatasetId(value)) {
    throw new SluiceError(
      'invalid_dataset_id',
      `Invalid dataset id ${preview(value)}: use 1-48 characters of a-z, 0-9, '_' or '-', starting with a letter (e.g. "primary", "logs").`,
      { value: boundedValue(value) },
    );
  }
  return value;
}

/** Compatibility rule: a stored row or wire message without a dataset id belongs to `primary`. */
export function normalizeDatasetId(value: string | null | undefined): DatasetId {
  if (value === undefined || value === null || value === '') return PRIMARY_DATASET;
  return assertDatasetId(value);
}
