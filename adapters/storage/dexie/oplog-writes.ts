import type { Table } from 'dexie';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { compareHlc } from '../../../src/core/hlc.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import type { DatasetTables } from './context.ts';
import { authorRow, entryRow, toAuthorHead, type AuthorKey, type AuthorRow } from './rows.ts';

/*
 * Write steps shared by applyBatch, append, prune and snapshot import. They run inside the
 * caller's rw transaction and touch each table once per batch.
 */

/** Adds the entries whose hash is not stored yet (nor earlier in the same batch); returns those. */
export async function insertEntries(t: DatasetTables, datasetId: DatasetId, entries: readonly OplogEntry[]): Promise<OplogEntry[]> {
  if (entries.length === 0) return [];
  const stored = await t.oplog.bulkGet(entries.map((e) => [datasetId, e.hash]));
  const seen = new Set<string>();
  const fresh: OplogEntry[] = [];
  entries.forEach((e, i) => {
    if (stored[i] !== undefined || seen.has(e.hash)) return;
    seen.add(e.hash);
    fresh.push(e);
  });
  if (fresh.length > 0) await t.oplog.bulkAdd(fresh.map((e) => entryRow(datasetId, e)));
  return fresh;
}

/**
 * Moves each author's head (or boundary) to the newest candidate, never backwards: a candidate
 * wins only if its HLC is strictly newer than what is stored or an earlier candidate. Returns
 * the rows that moved, sorted by author.
 */
export async function advanceAuthors(table: Table<AuthorRow, AuthorKey>, datasetId: DatasetId, candidates: Iterable<AuthorHead>): Promise<AuthorHead[]> {
  const list = [...candidates];
  if (list.length === 0) return [];
  const nodes = [...new Set(list.map((c) => c.nodeId))];
  const stored = await table.bulkGet(nodes.map((n): AuthorKey => [datasetId, n]));
  const best = new Map<string, AuthorHead | undefined>(nodes.map((n, i) => [n, stored[i] && toAuthorHead(stored[i])]));
  const moved = new Map<string, AuthorHead>();
  for (const c of list) {
    const current = best.get(c.nodeId);
    if (current === undefined || compareHlc(c.hlc, current.hlc) > 0) {
      best.set(c.nodeId, c);
      moved.set(c.nodeId, c);
    }
  }
  if (moved.size > 0) await table.bulkPut([...moved.values()].map((h) => authorRow(datasetId, h)));
  return sortByNode([...moved.values()]);
}

export function sortByNode<T extends { nodeId: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}
