import { PRIMARY_DATASET } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { assertNodeId } from '../core/hlc.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { assertNodeOptions, resolveDatasets, type NodeOptions } from './node-options.ts';
import { SyncNode } from './sync-node.ts';
import { sharedStorageKey } from './tabs/shared-storage-key.ts';

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

/**
 * A node keeps its identity across restarts: its chains and its peers' watermarks are keyed by it.
 * Tabs that open the same storage at once take turns (Web Locks, where the platform has them), so
 * the first creates the id and the others read it.
 */
function loadOrCreateNodeId(storage: StorageAdapter): Promise<string> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  const key = sharedStorageKey(storage);
  return locks && key !== null ? (locks.request(`sluice:node-id:${key}`, () => readOrCreateNodeId(storage)) as unknown as Promise<string>) : readOrCreateNodeId(storage);
}

async function readOrCreateNodeId(storage: StorageAdapter): Promise<string> {
  const { checkpoints } = storage.open(PRIMARY_DATASET);
  const stored = await checkpoints.get(NODE_ID_CHECKPOINT);
  if (typeof stored === 'string') return assertNodeId(stored);
  const id = `n-${crypto.randomUUID()}`;
  await checkpoints.set(NODE_ID_CHECKPOINT, id);
  return id;
}
