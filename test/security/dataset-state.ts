import { HybridClock } from '../../src/core/hlc.ts';
import { createEntry, type OplogEntry } from '../../src/core/oplog-entry.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';

/** Everything a dataset holds that a rejected message must leave exactly as it was. */
export async function datasetState(node: SyncNode, datasetId = 'primary') {
  const { documents, oplog, heads, boundaries } = await node.exportSnapshot(datasetId);
  return { documents, oplog, heads, boundaries };
}

/** A chain of `n` entries by `author`, hashed and linked correctly (unsigned). */
export function chain(author: string, n: number, prevHash = ''): OplogEntry[] {
  const clock = new HybridClock(author);
  const out: OplogEntry[] = [];
  for (let i = 0; i < n; i++) {
    out.push(createEntry({ collection: 'todos', key: `${author}-${i}`, op: 'put', value: { i, by: author }, hlc: clock.tick(), prevHash: out.at(-1)?.hash ?? prevHash }));
  }
  return out;
}
