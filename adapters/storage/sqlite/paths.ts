import { PRIMARY_DATASET, type DatasetId } from '../../../src/core/dataset-id.ts';

export const MEMORY_PATH = ':memory:';

/**
 * The file of one dataset in the file-per-dataset layout: `primary` uses `path` itself, so a
 * single-dataset app keeps its file name; others insert `.<datasetId>` before the extension
 * (`app.db` -> `app.logs.db`, `app` -> `app.logs`). Dataset ids contain no dots or separators,
 * so no two datasets can map to one file.
 */
export function datasetPath(path: string, datasetId: DatasetId): string {
  if (path === MEMORY_PATH || datasetId === PRIMARY_DATASET) return path;
  const nameStart = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  const dot = path.lastIndexOf('.');
  // A leading dot (".env") names a hidden file; it is not an extension.
  if (dot <= nameStart) return `${path}.${datasetId}`;
  return `${path.slice(0, dot)}.${datasetId}${path.slice(dot)}`;
}
