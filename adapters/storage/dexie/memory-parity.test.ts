import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../../src/core/errors.ts';
import type { Hlc } from '../../../src/core/hlc.ts';
import { createEntry, type OplogEntry } from '../../../src/core/oplog-entry.ts';
import { documentsFor } from '../../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../../src/store/storage-adapter.ts';
import { memoryStorage } from '../memory/index.ts';
import { fakeIndexedDB } from './fixtures/fake-indexeddb.ts';
import { dexieStorage, type DexieLayout } from './index.ts';
import { chainRange } from '../../../src/store/chain-range.ts';

/*
 * The memory adapter is the reference: random sequences of writes must give the same results,
 * the same errors and the same reads on both. Chains overlap in wall time across authors and reuse
 * keys, so ordering, dedupe, late arrivals, pruning and merges all get exercised.
 */

const DATASETS = ['primary', 'logs'] as const;
const AUTHORS = ['alice', 'bob', 'carol'] as const;
const CHAIN_LENGTH = 8;

type Dataset = (typeof DATASETS)[number];
type Author = (typeof AUTHORS)[number];

function buildChain(datasetId: Dataset, nodeId: Author, offset: number): OplogEntry[] {
  const out: OplogEntry[] = [];
  let wall = 100 + offset;
  let logic = 0;
  for (let i = 0; i < CHAIN_LENGTH; i++) {
    if (i % 3 === 1) logic += 1;
    else {
      wall += 1 + (i % 2);
      logic = 0;
    }
    const del = i % 4 === 3;
    out.push(
      createEntry({
        datasetId,
        collection: i % 5 === 4 ? 'notes' : 'todos',
        key: `k${i % 3}`,
        op: del ? 'delete' : 'put',
        value: { i, by: nodeId, ds: datasetId },
        hlc: { wall, logic, nodeId },
        prevHash: out[i - 1]?.hash ?? '',
      }),
    );
  }
  return out;
}

const CHAINS = Object.fromEntries(
  DATASETS.map((ds) => [ds, Object.fromEntries(AUTHORS.map((a, n) => [a, buildChain(ds, a, n)]))]),
) as Record<Dataset, Record<Author, OplogEntry[]>>;

const ds = fc.constantFrom(...DATASETS);
const author = fc.constantFrom(...AUTHORS);
const pick = fc.tuple(author, fc.nat(CHAIN_LENGTH - 1));
const picks = fc.array(pick, { maxLength: 6 });
const key = fc.constantFrom('k0', 'k1', 'k2', '\uffffk');
const hlcArb = fc.record({ wall: fc.integer({ min: 98, max: 116 }), logic: fc.nat(2), nodeId: fc.constantFrom('', 'alice', 'bob', 'carol', 'zzz') });

const op = fc.oneof(
  fc.record({ kind: fc.constant('apply' as const), ds, picks }),
  fc.record({ kind: fc.constant('append' as const), ds, picks }),
  fc.record({ kind: fc.constant('prune' as const), ds, cutoff: hlcArb }),
  fc.record({ kind: fc.constant('put' as const), ds, key, deleted: fc.boolean(), hlc: hlcArb.filter((h) => h.nodeId !== '') }),
  fc.record({ kind: fc.constant('delete' as const), ds, key }),
  fc.record({ kind: fc.constant('import' as const), ds, mode: fc.constantFrom('merge' as const, 'replace' as const), picks, heads: fc.boolean(), boundary: fc.option(pick) }),
  fc.record({ kind: fc.constant('checkpoint' as const), ds, name: fc.constantFrom('a', 'b'), value: fc.option(fc.integer()) }),
  fc.record({ kind: fc.constant('peer' as const), ds, action: fc.constantFrom('register', 'deactivate', 'remove', 'confirm'), peer: fc.constantFrom('hub', 'edge'), author, wall: fc.integer({ min: 1, max: 5 }) }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function entriesOf(d: Dataset, chosen: readonly [Author, number][]): OplogEntry[] {
  return chosen.map(([a, i]) => CHAINS[d][a][i]!);
}

function run(s: StorageAdapter, o: Op): Promise<unknown> {
  switch (o.kind) {
    case 'apply': {
      const entries = entriesOf(o.ds, o.picks);
      return s.open(o.ds).documents.applyBatch({ documents: documentsFor(entries), entries });
    }
    case 'append':
      return s.open(o.ds).oplog.append(entriesOf(o.ds, o.picks));
    case 'prune':
      return s.open(o.ds).oplog.prune(o.cutoff);
    case 'put':
      return s.open(o.ds).documents.put({ collection: 'todos', key: o.key, value: o.deleted ? null : { put: o.hlc.wall }, hlc: o.hlc, deleted: o.deleted });
    case 'delete':
      return s.open(o.ds).documents.delete('todos', o.key);
    case 'import': {
      const oplog = entriesOf(o.ds, o.picks);
      const heads = o.heads ? [...new Map(oplog.map((e) => [e.hlc.nodeId, { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash }])).values()] : [];
      const b = o.boundary && CHAINS[o.ds][o.boundary[0]][o.boundary[1]]!;
      const boundaries = b ? [{ nodeId: b.hlc.nodeId, hlc: b.hlc, hash: b.hash }] : [];
      const snapshot = { format: 'sluice-snapshot/1', datasetId: o.ds, createdAt: 1, documents: documentsFor(oplog), oplog, heads, boundaries };
      return s.open(o.ds).snapshots.import(snapshot, { mode: o.mode });
    }
    case 'checkpoint':
      return o.value === null ? s.open(o.ds).checkpoints.delete(o.name) : s.open(o.ds).checkpoints.set(o.name, { v: o.value });
    case 'peer':
      if (o.action === 'register') return s.open(o.ds).confirmations.registerPeer(o.peer, { address: `ws://${o.peer}` });
      if (o.action === 'deactivate') return s.open(o.ds).confirmations.setPeerActive(o.peer, false);
      if (o.action === 'remove') return s.open(o.ds).confirmations.removePeer(o.peer);
      return s.open(o.ds).confirmations.confirm(o.peer, o.author, { wall: o.wall, logic: 0, nodeId: o.author }, 'a'.repeat(64));
  }
}

/** Outcome with wall-clock stamps removed: they differ between any two calls. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: JSON.parse(JSON.stringify((await p) ?? null, (k, v) => (k === 'registeredAt' || k === 'confirmedAt' || k === 'createdAt' ? 0 : v))) };
  } catch (error) {
    return { error: isSluiceError(error) ? error.code : String(error) };
  }
}

async function reads(s: StorageAdapter): Promise<unknown[]> {
  const out: Promise<unknown>[] = [];
  const probes: (Hlc | null)[] = [null, { wall: 103, logic: 1, nodeId: 'bob' }, { wall: 106, logic: 0, nodeId: '' }, { wall: 110, logic: 0, nodeId: 'zzz' }];
  for (const d of DATASETS) {
    out.push(s.open(d).snapshots.export(), s.open(d).oplog.count(), s.open(d).oplog.heads(), s.open(d).oplog.boundaries());
    for (const at of probes) {
      out.push(s.open(d).oplog.entriesAfter(at, { limit: 4 }), s.open(d).oplog.entriesAfter(at));
      for (const a of AUTHORS) out.push(s.open(d).oplog.entriesByAuthorAfter(a, at, { limit: 3 }));
    }
    for (const a of AUTHORS) {
      const chain = CHAINS[d][a];
      out.push(s.open(d).oplog.head(a), s.open(d).oplog.boundary(a));
      for (const start of ['', chain[1]!.hash, chain[3]!.hash, chain[5]!.hash, CHAINS[d].bob[2]!.hash]) {
        for (const end of [chain[3]!.hash, chain[6]!.hash, chain[7]!.hash]) out.push(chainRange(s.open(d).oplog, start, end));
      }
    }
    for (const includeDeleted of [false, true]) {
      out.push(s.open(d).documents.list('todos', { includeDeleted }), s.open(d).documents.list('todos', { includeDeleted, afterKey: 'k0', limit: 1 }));
    }
    out.push(s.open(d).documents.getMany([{ collection: 'todos', key: 'k1' }, { collection: 'notes', key: 'k1' }, { collection: 'todos', key: '\uffffk' }]));
    out.push(s.open(d).checkpoints.list(), s.open(d).confirmations.listPeers(), s.open(d).confirmations.confirmations(), s.open(d).confirmations.confirmations('hub'));
  }
  return Promise.all(out.map(outcome));
}

describe.each(['database-per-dataset', 'single-database'] as DexieLayout[])('dexie matches the memory adapter (%s)', (layout) => {
  it('gives the same results, errors and reads for random write sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (ops) => {
        const reference = memoryStorage();
        const dexie = dexieStorage({ name: 'parity', layout, ...fakeIndexedDB() });
        try {
          for (const o of ops) expect(await outcome(run(dexie, o))).toEqual(await outcome(run(reference, o)));
          expect(await reads(dexie)).toEqual(await reads(reference));
        } finally {
          await dexie.close();
          await reference.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
