import { assertHlc, type Hlc } from '../../../src/core/hlc.ts';
import type { OplogStore, PruneResult, ReadLimits } from '../../../src/store/oplog-store.ts';
import { prepareEntries, resolveReadLimits, trimToBytes } from '../../../src/store/validation.ts';
import type { PgContext } from './context.ts';
import type { DatasetSchema, Query } from './dataset-schema.ts';
import { ENTRY_COLUMNS, HEAD_COLUMNS, toEntry, toHead } from './rows.ts';
import { advance, appendEntries } from './writes.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

/*
 * HLC ranges are row comparisons, which PostgreSQL answers from the (wall, logic, node) and
 * (node, wall, logic) indexes. Within one author the node is the same on both sides, so
 * (wall, logic) decides.
 */

export function postgresOplogStore(ctx: PgContext): ScopedPort<OplogStore> {
  return {
    append: async (datasetId, entries) => {
      const prepared = prepareEntries(datasetId, entries, ctx.maxPayloadBytes);
      const ds = await ctx.dataset(datasetId);
      return ds.write('oplog.append', (q) => appendEntries(q, ds, ctx.writerId, prepared));
    },
    getByHash: async (datasetId, hash) => {
      const ds = await ctx.dataset(datasetId);
      if (typeof hash !== 'string') return undefined;
      const [row] = await ds.query(`SELECT ${ENTRY_COLUMNS} FROM ${ds.s}.oplog WHERE ${ds.and(2)}hash = $1`, ds.args([hash]));
      return row && toEntry(datasetId, row);
    },
    heads: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      return (await ds.query(`SELECT ${HEAD_COLUMNS} FROM ${ds.s}.heads${ds.rowsOf(1)} ORDER BY node`, ds.args([]))).map(toHead);
    },
    head: async (datasetId, nodeId) => {
      const ds = await ctx.dataset(datasetId);
      const [row] = await ds.query(`SELECT ${HEAD_COLUMNS} FROM ${ds.s}.heads WHERE ${ds.and(2)}node = $1`, ds.args([String(nodeId)]));
      return row && toHead(row);
    },
    entriesByAuthorAfter: async (datasetId, nodeId, after, limits?: ReadLimits) => {
      const { limit, maxBytes } = resolveReadLimits(limits);
      const from = after === null ? null : assertHlc(after);
      const ds = await ctx.dataset(datasetId);
      const rows = await ds.query(
        `SELECT ${ENTRY_COLUMNS} FROM ${ds.s}.oplog WHERE ${ds.and(5)}node = $1 AND ($2::bigint IS NULL OR (wall, logic) > ($2::bigint, $3::integer)) ORDER BY wall, logic LIMIT $4`,
        ds.args([String(nodeId), from?.wall ?? null, from?.logic ?? 0, limit]),
      );
      return trimToBytes(rows.map((r) => toEntry(datasetId, r)), maxBytes);
    },
    entriesAfter: async (datasetId, after, limits?: ReadLimits) => {
      const { limit, maxBytes } = resolveReadLimits(limits);
      const from = after === null ? null : assertHlc(after);
      const ds = await ctx.dataset(datasetId);
      const rows =
        from === null
          ? await ds.query(`SELECT ${ENTRY_COLUMNS} FROM ${ds.s}.oplog${ds.rowsOf(2)} ORDER BY wall, logic, node LIMIT $1`, ds.args([limit]))
          : await ds.query(`SELECT ${ENTRY_COLUMNS} FROM ${ds.s}.oplog WHERE ${ds.and(5)}(wall, logic, node) > ($1::bigint, $2::integer, $3::text) ORDER BY wall, logic, node LIMIT $4`, ds.args([from.wall, from.logic, from.nodeId, limit]));
      return trimToBytes(rows.map((r) => toEntry(datasetId, r)), maxBytes);
    },
    prune: async (datasetId, cutoff): Promise<PruneResult> => {
      const limit = assertHlc(cutoff, 'cutoff');
      const ds = await ctx.dataset(datasetId);
      return ds.write('oplog.prune', (q) => prune(q, ds, limit));
    },
    boundary: async (datasetId, nodeId) => {
      const ds = await ctx.dataset(datasetId);
      const [row] = await ds.query(`SELECT ${HEAD_COLUMNS} FROM ${ds.s}.boundaries WHERE ${ds.and(2)}node = $1`, ds.args([String(nodeId)]));
      return row && toHead(row);
    },
    boundaries: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      return (await ds.query(`SELECT ${HEAD_COLUMNS} FROM ${ds.s}.boundaries${ds.rowsOf(1)} ORDER BY node`, ds.args([]))).map(toHead);
    },
    count: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      const [row] = await ds.query(`SELECT count(*)::integer AS n FROM ${ds.s}.oplog${ds.rowsOf(1)}`, ds.args([]));
      return Number(row!.n);
    },
  };
}

async function prune(q: Query, ds: DatasetSchema, cutoff: Hlc): Promise<PruneResult> {
  // Hubs prune on their own timers: one prune of a dataset at a time.
  await q('SELECT pg_advisory_xact_lock(hashtextextended($1, 11))', [`sluice prune ${ds.lockName}`]);
  const bound = ds.args([cutoff.wall, cutoff.logic, cutoff.nodeId]);
  // Per author, the newest entry at or before the cutoff becomes its boundary.
  const newest = await q(`SELECT DISTINCT ON (node) ${HEAD_COLUMNS} FROM ${ds.s}.oplog WHERE ${ds.and(4)}(wall, logic, node) <= ($1::bigint, $2::integer, $3::text) ORDER BY node, wall DESC, logic DESC`, bound);
  const written = await advance(q, ds, 'boundaries', newest.map(toHead));
  const removed = await q(`DELETE FROM ${ds.s}.oplog WHERE ${ds.and(4)}(wall, logic, node) <= ($1::bigint, $2::integer, $3::text) RETURNING 1`, bound);
  return { removed: removed.length, boundaries: written.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0)) };
}
