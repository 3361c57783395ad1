import { PRIMARY_DATASET } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { assertNodeId } from '../core/hlc.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { assertNodeOptions, resolveDatasets, type NodeOptions } from './node-options.ts';
import { SyncNode } from './sync-node.ts';

const NODE_ID_CHECKPOINT = 'sluice:node-id';

/**
 * Creates and starts a node. `createNode({ storage, peers })` runs `primary` alone. Every option is
 * checked first (see NodeOptions for the bounds): a bad one throws a SluiceError whose
 * `details.field` names it, before any storage is touched or any worker is started.
 */
export async function createNode(options: NodeOptions): Promise<SyncNode> {
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
  const nodeId = options.nodeId === undefined ? await loadOrCreateNodeId(options.storage) : assertNodeId(options.nodeId, 'nodeId');
  const node = new SyncNode(nodeId, options, datasets);
  await node.start();
  return node;
}

/** A node keeps its identity across restarts: its chains and its peers' watermarks are keyed by it. */
async function loadOrCreateNodeId(storage: StorageAdapter): Promise<string> {
  const { checkpoints } = storage.open(PRIMARY_DATASET);
  const stored = await checkpoints.get(NODE_ID_CHECKPOINT);
  if (typeof stored === 'string') return assertNodeId(stored);
  const id = `n-${crypto.randomUUID()}`;
  await checkpoints.set(NODE_ID_CHECKPOINT, id);
  return id;
}
