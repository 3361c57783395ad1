import { SluiceError } from '../core/errors.ts';
import { assertNodeOptions, resolveDatasets, type NodeOptions, type ResolvedDataset } from './node-options.ts';

/**
 * What every createNode checks first (see NodeOptions for the bounds): a bad option throws a
 * SluiceError whose `details.field` names it, before any storage is touched or any worker starts.
 */
export function checkCreateOptions(options: NodeOptions): ResolvedDataset[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SluiceError('invalid_options', 'createNode needs an options object: createNode({ storage: memoryStorage() }).', { field: 'options' });
  }
  if (typeof options.storage !== 'object' || options.storage === null || typeof options.storage.open !== 'function') {
    throw new SluiceError('invalid_options', 'createNode needs { storage }: e.g. storage: sqliteStorage({ path }), dexieStorage({ name }) or memoryStorage().', { field: 'storage' });
  }
  assertNodeOptions(options);
  const datasets = resolveDatasets(options);
  if (options.nodeId === undefined && options.storage.describe?.()?.sharedWriters === true) {
    // A stored id would be every process's id: their chains would fork and their keys collide.
    throw new SluiceError('invalid_options', 'This storage is shared with other processes (several hubs over one database): give each process its own nodeId, kept across its restarts (the CLI keeps it in --data).', { field: 'nodeId' });
  }
  return datasets;
}
