import { PRIMARY_DATASET } from '../core/dataset-id.ts';
import { assertNodeId } from '../core/hlc.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { sharedStorageKey } from './tabs/shared-storage-key.ts';

const NODE_ID_CHECKPOINT = 'sluice:node-id';

/**
 * A node keeps its identity across restarts: its chains and its peers' watermarks are keyed by it.
 * Tabs that open the same storage at once take turns (Web Locks, where the platform has them), so
 * the first creates the id and the others read it.
 */
export function loadOrCreateNodeId(storage: StorageAdapter): Promise<string> {
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
