import { SluiceError } from './errors.ts';
import { boundedValue, preview } from './option-checks.ts';

/**
 * A dataset id names an isolated sync domain: `name`, or an instance of it, `name/segment(/segment)*`
 * (`user/u123`, `team/acme/board-7`). It reaches file names, IndexedDB names and wire frames; storage
 * adapters map it to a safe name of their own (see datasetFileName).
 */
export type DatasetId = string;

export const PRIMARY_DATASET: DatasetId = 'primary';

/**
 * The name is short, lower case and safe everywhere (so that `Logs` and `logs` can never become two
 * files on Linux and one on macOS). Instance segments carry app ids (user ids, team ids) as they
 * are, case included: 1-128 of A-Z a-z 0-9 . _ ~ - each, at most MAX_SEGMENTS of them.
 */
const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,47}$/;
const SEGMENT_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
export const MAX_SEGMENTS = 4;
/** The longest id: a name and MAX_SEGMENTS segments with their slashes. */
const MAX_ID_CHARS = 48 + MAX_SEGMENTS * 129;

/** One instance segment: 1-128 of A-Z a-z 0-9 . _ ~ - (no '/'). */
export function isValidSegment(value: unknown): value is string {
  return typeof value === 'string' && SEGMENT_PATTERN.test(value);
}

export function isValidDatasetId(value: unknown): value is DatasetId {
  if (typeof value !== 'string' || value.length > MAX_ID_CHARS) return false;
  const [name, ...segments] = value.split('/');
  return NAME_PATTERN.test(name!) && segments.length <= MAX_SEGMENTS && segments.every((s) => SEGMENT_PATTERN.test(s));
}

export function assertDatasetId(value: unknown): DatasetId {
  if (!isValidDatasetId(value)) {
    throw new SluiceError(
      'invalid_dataset_id',
      `Invalid dataset id ${preview(value)}: use a name of 1-48 characters of a-z, 0-9, '_' or '-', starting with a letter (e.g. "primary", "logs"), optionally followed by up to ${MAX_SEGMENTS} instance segments of 1-128 characters of A-Z, a-z, 0-9, '.', '_', '~' or '-' each (e.g. "user/u123").`,
      { value: boundedValue(value) },
    );
  }
  return value;
}

/** The dataset's name: `user` for `user/u123`, the id itself for an id without segments. */
export function datasetName(datasetId: DatasetId): string {
  const slash = datasetId.indexOf('/');
  return slash === -1 ? datasetId : datasetId.slice(0, slash);
}

/**
 * The id as one file-name component, the same on every file system: the name as it is, then each
 * segment after an '@', with everything but a-z, 0-9, '-' and '~' written as '_' and two hex digits.
 * Injective even where file names ignore case: `user/Ann` is `user@_41nn`, `user/ann` is `user@ann`.
 * Contains no '/', '\', '.' or upper-case letter, so it never leaves its directory or hides a file.
 */
export function datasetFileName(datasetId: DatasetId): string {
  const [name, ...segments] = datasetId.split('/');
  return [name!, ...segments.map((segment) => segment.replace(/[^a-z0-9~-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`))].join('@');
}

/** Compatibility rule: a stored row or wire message without a dataset id belongs to `primary`. */
export function normalizeDatasetId(value: string | null | undefined): DatasetId {
  if (value === undefined || value === null || value === '') return PRIMARY_DATASET;
  return assertDatasetId(value);
}
