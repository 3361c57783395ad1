import { Dexie } from 'dexie';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { assertHlc, compareHlc } from '../../../src/core/hlc.ts';
import type { AuthorHead, OplogStore, ReadLimits } from '../../../src/store/oplog-store.ts';
import { headsOf, prepareEntries, resolveReadLimits, trimToBytes } from '../../../src/store/validation.ts';
import type { DexieContext } from './context.ts';
import { advanceAuthors, insertEntries } from './oplog-writes.ts';
import { prefixRange, toAuthorHead, toEntry, type EntryKey } from './rows.ts';
import { OPLOG_BY_AUTHOR, OPLOG_BY_HLC } from './schema.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

export function dexieOplogStore(ctx: DexieContext): ScopedPort<OplogStore> {
  return {
    append: async (datasetId, entries) => {
      ctx.check(datasetId);
      const prepared = prepareEntries(datasetId, entries, ctx.maxPayloadBytes);
      return ctx.write(datasetId, ['oplog', 'heads'], async (t) => {
        const fresh = await insertEntries(t, datasetId, prepared);
        await advanceAuthors(t.heads, datasetId, headsOf(fresh).values());
        ctx.commit('oplog.append');
        return fresh.length;
      });
    },

    getByHash: async (datasetId, hash) => {
      ctx.check(datasetId);
      if (typeof hash !== 'string') return undefined;
      const row = await ctx.read(datasetId, ['oplog'], (t) => t.oplog.get([datasetId, hash]));
      return row && toEntry(row);
    },

    heads: async (datasetId) => {
      ctx.check(datasetId);
      const rows = await ctx.read(datasetId, ['heads'], (t) => t.heads.where(':id').between(...prefixRange(datasetId), true, true).toArray());
      return rows.map(toAuthorHead);
    },

    head: async (datasetId, nodeId) => {
      ctx.check(datasetId);
      if (typeof nodeId !== 'string') return undefined;
      const row = await ctx.read(datasetId, ['heads'], (t) => t.heads.get([datasetId, nodeId]));
      return row && toAuthorHead(row);
    },

    entriesByAuthorAfter: async (datasetId, nodeId, after, limits?: ReadLimits) => {
      ctx.check(datasetId);
      const { limit, maxBytes } = resolveReadLimits(limits);
      const from = after === null ? null : assertHlc(after);
      if (typeof nodeId !== 'string') return [];
      const [start, end] = prefixRange(datasetId, nodeId);
      // Within one author (wall, logic) orders entries; the nodeId of `after` plays no part.
      const rows = await ctx.read(datasetId, ['oplog'], (t) => {
        const index = t.oplog.where(OPLOG_BY_AUTHOR);
        const range = from === null ? index.between(start, end, true, true) : index.between([datasetId, nodeId, from.wall, from.logic], end, false, true);
        return range.limit(limit).toArray();
      });
      return trimToBytes(rows.map(toEntry), maxBytes);
    },

    entriesAfter: async (datasetId, after, limits?: ReadLimits) => {
      ctx.check(datasetId);
      const { limit, maxBytes } = resolveReadLimits(limits);
      const from = after === null ? null : assertHlc(after);
      const [start, end] = prefixRange(datasetId);
      // The index orders by (wall, logic, node): the full HLC order, so an open lower bound is "strictly after".
      const rows = await ctx.read(datasetId, ['oplog'], (t) => {
        const index = t.oplog.where(OPLOG_BY_HLC);
        const range = from === null ? index.between(start, end, true, true) : index.between([datasetId, from.wall, from.logic, from.nodeId], end, false, true);
        return range.limit(limit).toArray();
      });
      return trimToBytes(rows.map(toEntry), maxBytes);
    },

    prune: async (datasetId, cutoff) => {
      ctx.check(datasetId);
      const limit = assertHlc(cutoff, 'cutoff');
      return ctx.write(datasetId, ['oplog', 'boundaries'], async (t) => {
        const doomed: EntryKey[] = [];
        const newest = new Map<string, AuthorHead>();
        // Keys only: the index key carries the HLC and the primary key the hash, so payloads are never loaded.
        await t.oplog
          .where(OPLOG_BY_HLC)
          .between([datasetId, Dexie.minKey], [datasetId, limit.wall, limit.logic, limit.nodeId], true, true)
          .eachKey((key, cursor) => {
            const [, wall, logic, nodeId] = key as [DatasetId, number, number, string];
            const id = cursor.primaryKey as EntryKey;
            doomed.push(id);
            const hlc = { wall, logic, nodeId };
            const current = newest.get(nodeId);
            if (current === undefined || compareHlc(hlc, current.hlc) > 0) newest.set(nodeId, { nodeId, hlc, hash: id[1] });
          });
        await t.oplog.bulkDelete(doomed);
        const boundaries = await advanceAuthors(t.boundaries, datasetId, newest.values());
        ctx.commit('oplog.prune');
        return { removed: doomed.length, boundaries };
      });
    },

    boundary: async (datasetId, nodeId) => {
      ctx.check(datasetId);
      if (typeof nodeId !== 'string') return undefined;
      const row = await ctx.read(datasetId, ['boundaries'], (t) => t.boundaries.get([datasetId, nodeId]));
      return row && toAuthorHead(row);
    },

    boundaries: async (datasetId) => {
      ctx.check(datasetId);
      const rows = await ctx.read(datasetId, ['boundaries'], (t) => t.boundaries.where(':id').between(...prefixRange(datasetId), true, true).toArray());
      return rows.map(toAuthorHead);
    },

    count: async (datasetId) => {
      ctx.check(datasetId);
      return ctx.read(datasetId, ['oplog'], (t) => t.oplog.where(':id').between(...prefixRange(datasetId), true, true).count());
    },
  };
}
