import { datasetFileName, PRIMARY_DATASET, type DatasetId } from '../../../src/core/dataset-id.ts';

export const MEMORY_PATH = ':memory:';

/**
 * The file of one dataset in the file-per-dataset layout: `primary` uses `path` itself, so a
 * single-dataset app keeps its file name; others insert `.<datasetFileName>` before the extension
 * (`app.db` -> `app.logs.db`, `app` -> `app.logs`, `user/Ann` -> `app.user@_41nn.db`). The file
 * name holds no dot or separator and no upper-case letter, so no two datasets map to one file,
 * even on a file system that ignores case.
 */
export function datasetPath(path: string, datasetId: DatasetId): string {
  if (path === MEMORY_PATH || datasetId === PRIMARY_DATASET) return path;
  const nameStart = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  const dot = path.lastIndexOf('.');
  // A leading dot (".env") names a hidden file; it is not an extension.
  const file = datasetFileName(datasetId);
  if (dot <= nameStart) return `${path}.${file}`;
  return `${path.slice(0, dot)}.${file}${path.slice(dot)}`;
}
