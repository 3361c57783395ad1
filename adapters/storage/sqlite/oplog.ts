import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { assertHlc, type Hlc } from '../../../src/core/hlc.ts';
import type { OplogStore, PruneBoundary, PruneResult, ReadLimits } from '../../../src/store/oplog-store.ts';
import { prepareEntries, resolveReadLimits, trimToBytes } from '../../../src/store/validation.ts';
import type { StoreContext } from './context.ts';
import { ENTRY_COLUMNS, HEAD_COLUMNS, toEntry, toHead } from './rows.ts';
import type { SqliteSession } from './session.ts';
import { advance, appendEntries } from './writes.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

/*
 * HLC ranges are written as `wall >= ? AND (<exact comparison>)`: the leading range lets SQLite
 * seek in the (dataset_id, wall, logic, node) and (dataset_id, node, wall, logic) indexes, the
 * rest is the total order itself. Row values would say the same more briefly but are not in
 * every SQLite a driver may bundle.
 */
const AFTER_HLC = 'wall >= ? AND (wall > ? OR (wall = ? AND (logic > ? OR (logic = ? AND node > ?))))';
const AFTER_IN_AUTHOR = 'wall >= ? AND (wall > ? OR (wall = ? AND logic > ?))';
const UP_TO_IN_AUTHOR = 'wall <= ? AND (wall < ? OR (wall = ? AND logic <= ?))';
const UP_TO_HLC = 'wall <= ? AND (wall < ? OR (wall = ? AND (logic < ? OR (logic = ? AND node <= ?))))';

const SQL = {
  byHash: `SELECT ${ENTRY_COLUMNS} FROM oplog WHERE dataset_id = ? AND hash = ?`,
  heads: `SELECT ${HEAD_COLUMNS} FROM heads WHERE dataset_id = ? ORDER BY node`,
  head: `SELECT ${HEAD_COLUMNS} FROM heads WHERE dataset_id = ? AND node = ?`,
  boundaries: `SELECT ${HEAD_COLUMNS} FROM boundaries WHERE dataset_id = ? ORDER BY node`,
  boundary: `SELECT ${HEAD_COLUMNS} FROM boundaries WHERE dataset_id = ? AND node = ?`,
  count: 'SELECT count(*) AS n FROM oplog WHERE dataset_id = ?',
  all: `SELECT ${ENTRY_COLUMNS} FROM oplog WHERE dataset_id = ? ORDER BY wall, logic, node LIMIT ?`,
  after: `SELECT ${ENTRY_COLUMNS} FROM oplog WHERE dataset_id = ? AND ${AFTER_HLC} ORDER BY wall, logic, node LIMIT ?`,
  authorAll: `SELECT ${ENTRY_COLUMNS} FROM oplog WHERE dataset_id = ? AND node = ? ORDER BY wall, logic LIMIT ?`,
  authorAfter: `SELECT ${ENTRY_COLUMNS} FROM oplog WHERE dataset_id = ? AND node = ? AND ${AFTER_IN_AUTHOR} ORDER BY wall, logic LIMIT ?`,
  // Skips through the author index one author at a time instead of scanning every entry.
  authors: `
    WITH RECURSIVE a(node) AS (
      SELECT min(node) FROM oplog WHERE dataset_id = ?
      UNION ALL
      SELECT (SELECT min(node) FROM oplog WHERE dataset_id = ? AND node > a.node) FROM a WHERE a.node IS NOT NULL
    ) SELECT node FROM a WHERE node IS NOT NULL`,
  newestUpTo: `SELECT ${HEAD_COLUMNS} FROM oplog WHERE dataset_id = ? AND node = ? AND ${UP_TO_IN_AUTHOR} ORDER BY wall DESC, logic DESC LIMIT 1`,
  prune: `DELETE FROM oplog WHERE dataset_id = ? AND ${UP_TO_HLC}`,
};

export function sqliteOplogStore(ctx: StoreContext): ScopedPort<OplogStore> {
  return {
    append: async (datasetId, entries) => {
      const session = ctx.session(datasetId);
      const prepared = prepareEntries(datasetId, entries, ctx.maxPayloadBytes);
      return session.write('oplog.append', () => appendEntries(session, datasetId, prepared));
    },
    getByHash: async (datasetId, hash) => {
      const row = ctx.session(datasetId).statement(SQL.byHash).get(datasetId, hash);
      return row && toEntry(datasetId, row);
    },
    heads: async (datasetId) => ctx.session(datasetId).statement(SQL.heads).all(datasetId).map(toHead),
    head: async (datasetId, nodeId) => {
      const row = ctx.session(datasetId).statement(SQL.head).get(datasetId, nodeId);
      return row && toHead(row);
    },
    entriesByAuthorAfter: async (datasetId, nodeId, after, limits?: ReadLimits) => {
      const session = ctx.session(datasetId);
      const { limit, maxBytes } = resolveReadLimits(limits);
      const rows =
        after === null
          ? session.statement(SQL.authorAll).all(datasetId, nodeId, limit)
          : session.statement(SQL.authorAfter).all(datasetId, nodeId, ...authorBound(assertHlc(after)), limit);
      return trimToBytes(rows.map((r) => toEntry(datasetId, r)), maxBytes);
    },
    entriesAfter: async (datasetId, after, limits?: ReadLimits) => {
      const session = ctx.session(datasetId);
      const { limit, maxBytes } = resolveReadLimits(limits);
      const rows =
        after === null
          ? session.statement(SQL.all).all(datasetId, limit)
          : session.statement(SQL.after).all(datasetId, ...totalBound(assertHlc(after)), limit);
      return trimToBytes(rows.map((r) => toEntry(datasetId, r)), maxBytes);
    },
    prune: async (datasetId, cutoff): Promise<PruneResult> => {
      const session = ctx.session(datasetId);
      const limit = assertHlc(cutoff, 'cutoff');
      return session.write('oplog.prune', () => prune(session, datasetId, limit));
    },
    boundary: async (datasetId, nodeId) => {
      const row = ctx.session(datasetId).statement(SQL.boundary).get(datasetId, nodeId);
      return row && toHead(row);
    },
    boundaries: async (datasetId) => ctx.session(datasetId).statement(SQL.boundaries).all(datasetId).map(toHead),
    count: async (datasetId) => Number(ctx.session(datasetId).statement(SQL.count).get(datasetId)!.n),
  };
}

function prune(session: SqliteSession, datasetId: DatasetId, cutoff: Hlc): PruneResult {
  const written: PruneBoundary[] = [];
  const newest = session.statement(SQL.newestUpTo);
  for (const { node } of session.statement(SQL.authors).all(datasetId, datasetId)) {
    const author = node as string;
    // An author's entry at exactly the cutoff's (wall, logic) is at or before it only if its node id sorts first.
    const bound = author <= cutoff.nodeId ? cutoff : { ...cutoff, logic: cutoff.logic - 1 };
    const row = newest.get(datasetId, author, ...authorBound(bound));
    if (!row) continue;
    const candidate = toHead(row);
    if (advance(session, 'boundaries', datasetId, candidate)) written.push(candidate);
  }
  const { changes } = session.statement(SQL.prune).run(datasetId, ...totalBound(cutoff));
  return { removed: changes, boundaries: written };
}

/** Parameters of AFTER_HLC and UP_TO_HLC. */
function totalBound(t: Hlc): [number, number, number, number, number, string] {
  return [t.wall, t.wall, t.wall, t.logic, t.logic, t.nodeId];
}

/** Parameters of AFTER_IN_AUTHOR and UP_TO_IN_AUTHOR. */
function authorBound(t: Hlc): [number, number, number, number] {
  return [t.wall, t.wall, t.wall, t.logic];
}
