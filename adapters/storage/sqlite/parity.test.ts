import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Hlc } from '../../../src/core/hlc.ts';
import { createEntry, type OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { StorageAdapter } from '../../../src/store/storage-adapter.ts';
import { memoryStorage } from '../memory/index.ts';
import { sqliteStorage } from './better-sqlite3/index.ts';
import { chainRange } from '../../../src/store/chain-range.ts';

/*
 * Differential check against the reference adapter on what the contract only samples: HLC ties
 * across authors (entries share wall and logic, so the node id decides), cutoffs that fall on a
 * tie, late arrivals and repeated prunes.
 */

const AUTHORS = ['alice', 'bob', 'carol'];
const PER_AUTHOR = 10;

/** Per author: walls 100,100,101,101,... with logic 0,1, so every (wall, logic) is shared by all authors. */
const chains: OplogEntry[][] = AUTHORS.map((nodeId) => {
  const out: OplogEntry[] = [];
  for (let i = 0; i < PER_AUTHOR; i++) {
    out.push(createEntry({ collection: 'c', key: `${nodeId}-${i}`, op: 'put', value: i, hlc: { wall: 100 + Math.floor(i / 2), logic: i % 2, nodeId }, prevHash: out.at(-1)?.hash ?? '' }));
  }
  return out;
});
const allEntries = chains.flat();

const hlcArb = fc.record({
  wall: fc.integer({ min: 99, max: 106 }),
  logic: fc.integer({ min: 0, max: 1 }),
  nodeId: fc.constantFrom('', 'alice', 'b', 'bob', 'bobby', 'carol', 'zzz'),
});
const hashArb = fc.oneof(fc.constant(''), fc.constant('f'.repeat(64)), fc.constantFrom(...allEntries.map((e) => e.hash)));

type Op =
  | { kind: 'append'; picks: number[] }
  | { kind: 'prune'; cutoff: Hlc }
  | { kind: 'after'; after: Hlc | null; limit: number }
  | { kind: 'byAuthor'; author: string; after: Hlc | null; limit: number }
  | { kind: 'range'; start: string; end: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), picks: fc.array(fc.nat({ max: allEntries.length - 1 }), { maxLength: 12 }) }),
  fc.record({ kind: fc.constant('prune' as const), cutoff: hlcArb }),
  fc.record({ kind: fc.constant('after' as const), after: fc.option(hlcArb, { nil: null }), limit: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('byAuthor' as const), author: fc.constantFrom(...AUTHORS), after: fc.option(hlcArb, { nil: null }), limit: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('range' as const), start: hashArb, end: hashArb }),
);

async function step(a: StorageAdapter, op: Op): Promise<unknown> {
  switch (op.kind) {
    case 'append':
      return a.open('primary').oplog.append(op.picks.map((i) => allEntries[i]!));
    case 'prune':
      return a.open('primary').oplog.prune(op.cutoff);
    case 'after':
      return a.open('primary').oplog.entriesAfter(op.after, { limit: op.limit });
    case 'byAuthor':
      return a.open('primary').oplog.entriesByAuthorAfter(op.author, op.after, { limit: op.limit });
    case 'range':
      return chainRange(a.open('primary').oplog, op.start, op.end);
  }
}

it('matches the memory adapter on random oplog histories', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
      const reference = memoryStorage();
      const subject = sqliteStorage({ path: ':memory:' });
      try {
        for (const op of ops) expect(await step(subject, op), JSON.stringify(op)).toEqual(await step(reference, op));
        const [want, got] = [await reference.open('primary').snapshots.export(), await subject.open('primary').snapshots.export()];
        expect({ ...got, createdAt: 0 }).toEqual({ ...want, createdAt: 0 });
      } finally {
        await subject.close();
        await reference.close();
      }
    }),
    { numRuns: 150 },
  );
});
