import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredDocument } from '../../src/core/document.ts';
import { createEntry, type OplogEntry } from '../../src/core/oplog-entry.ts';
import { jsonMerge } from '../../src/core/resolvers/json-merge.ts';
import { lastWriteWins } from '../../src/core/resolvers/last-write-wins.ts';
import { ResolverRegistry } from '../../src/core/resolvers/registry.ts';
import { applyEntry, type ConflictResolver } from '../../src/core/resolvers/resolver.ts';

function put(value: unknown, wall: number, nodeId = 'a', logic = 0): OplogEntry {
  return createEntry({ collection: 'c', key: 'k', op: 'put', value, hlc: { wall, logic, nodeId }, prevHash: '' });
}
function del(wall: number, nodeId = 'a'): OplogEntry {
  return createEntry({ collection: 'c', key: 'k', op: 'delete', hlc: { wall, logic: 0, nodeId }, prevHash: '' });
}
function fold(resolver: ConflictResolver, entries: OplogEntry[]): StoredDocument | undefined {
  return entries.reduce<StoredDocument | undefined>((doc, e) => applyEntry(resolver, doc, e), undefined);
}
function visible(doc: StoredDocument | undefined) {
  return doc && { value: doc.value, deleted: doc.deleted, hlc: doc.hlc };
}

describe('last-write-wins', () => {
  it('keeps the document of the greatest HLC, whatever the arrival order', () => {
    const entries = [put({ v: 1 }, 10), put({ v: 2 }, 20, 'b'), put({ v: 3 }, 20, 'a')];
    expect(fold(lastWriteWins, entries)?.value).toEqual({ v: 2 });
    expect(fold(lastWriteWins, [...entries].reverse())?.value).toEqual({ v: 2 });
  });

  it('lets a newer delete win and a late older put stay dead', () => {
    expect(fold(lastWriteWins, [put({ v: 1 }, 10), del(20), put({ v: 0 }, 5)])).toMatchObject({ deleted: true, value: null });
    expect(fold(lastWriteWins, [del(20), put({ v: 3 }, 30)])).toMatchObject({ deleted: false, value: { v: 3 } });
  });
});

describe('json-merge', () => {
  it('merges objects field by field; the newer write wins a conflicting field', () => {
    const doc = fold(jsonMerge, [put({ title: 'a', done: false }, 10, 'a'), put({ title: 'b', color: 'red' }, 20, 'b')]);
    expect(doc?.value).toEqual({ title: 'b', done: false, color: 'red' });
    expect(doc?.hlc).toEqual({ wall: 20, logic: 0, nodeId: 'b' });
  });

  it('merges nested objects recursively', () => {
    const doc = fold(jsonMerge, [put({ s: { a: 1, deep: { x: 1 } } }, 10, 'a'), put({ s: { b: 2, deep: { y: 2 } } }, 5, 'b')]);
    expect(doc?.value).toEqual({ s: { a: 1, b: 2, deep: { x: 1, y: 2 } } });
  });

  it('merges arrays of objects by id or _id, newest write first in order', () => {
    const a = put({ items: [{ id: 1, t: 'one' }, { id: 2, t: 'two' }] }, 10, 'a');
    const b = put({ items: [{ id: 2, t: 'TWO', done: true }, { id: 3, t: 'three' }] }, 20, 'b');
    expect(fold(jsonMerge, [a, b])?.value).toEqual({ items: [{ id: 2, t: 'TWO', done: true }, { id: 3, t: 'three' }, { id: 1, t: 'one' }] });
    expect(fold(jsonMerge, [b, a])?.value).toEqual(fold(jsonMerge, [a, b])?.value);
    const underscored = fold(jsonMerge, [put([{ _id: 'x', n: 1 }], 1), put([{ _id: 'y', n: 2 }], 2)]);
    expect(underscored?.value).toEqual([{ _id: 'y', n: 2 }, { _id: 'x', n: 1 }]);
  });

  it('treats arrays without ids (or with duplicate ids) as values: the newest write replaces them', () => {
    expect(fold(jsonMerge, [put({ tags: ['a', 'b'] }, 10), put({ tags: ['c'] }, 20)])?.value).toEqual({ tags: ['c'] });
    expect(fold(jsonMerge, [put({ l: [{ id: 1 }, { id: 1 }] }, 20), put({ l: [{ id: 2 }] }, 10)])?.value).toEqual({ l: [{ id: 1 }, { id: 1 }] });
  });

  it('a whole-document delete hides older writes; later writes show again without the old fields', () => {
    const entries = [put({ a: 1, b: 2 }, 10), del(20), put({ c: 3 }, 30), put({ old: true }, 15, 'z')];
    expect(fold(jsonMerge, entries)).toMatchObject({ value: { c: 3 }, deleted: false });
    expect(fold(jsonMerge, entries.slice(0, 2))).toMatchObject({ value: null, deleted: true });
  });

  it('adopts a document written under last-write-wins as a single write', () => {
    const legacy = lastWriteWins.fromEntry(put({ a: 1 }, 10));
    const merged = jsonMerge.merge(legacy, jsonMerge.fromEntry(put({ b: 2 }, 20)));
    expect(merged.value).toEqual({ a: 1, b: 2 });
  });

  // Small alphabets so that random writes collide on the same paths, ids and kinds.
  const leaf = fc.oneof(fc.constantFrom(null, true, 0, 1, 'x', 'y'), fc.constant([1, 2]));
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('obj'), tie('idArray')),
    obj: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }),
    idArray: fc.uniqueArray(fc.record({ id: fc.constantFrom(1, 2, 3, 'x'), v: tie('node') }), { selector: (e) => e.id, minLength: 1, maxLength: 3 }),
  })).node;
  const entries = fc
    .array(
      fc.record({ isDelete: fc.boolean(), value, wall: fc.integer({ min: 1, max: 50 }), node: fc.constantFrom('a', 'b', 'c') }),
      { minLength: 1, maxLength: 7 },
    )
    .map((ops) => {
      // unique HLCs, as real authors produce: (wall, logic) is unique per node
      const seen = new Set<string>();
      return ops
        .filter((o) => !seen.has(`${o.wall}:${o.node}`) && seen.add(`${o.wall}:${o.node}`))
        .map((o) => (o.isDelete ? del(o.wall, o.node) : put(o.value, o.wall, o.node)));
    });

  it('property: every delivery order converges to the same document', () => {
    fc.assert(
      fc.property(entries, fc.func(fc.integer()), (es, rank) => {
        const shuffled = [...es].sort((x, y) => rank(x.hash) - rank(y.hash) || (x.hash < y.hash ? -1 : 1));
        expect(visible(fold(jsonMerge, shuffled))).toEqual(visible(fold(jsonMerge, es)));
      }),
      { numRuns: 300 },
    );
  });

  it('property: merge is commutative, associative and idempotent on states', () => {
    // Three replicas' states, each built from a subset of one pool of writes: as in real life, one
    // author never issues two different writes with the same HLC.
    const states = entries.chain((pool) =>
      fc.tuple(...[0, 1, 2].map(() => fc.subarray(pool, { minLength: 1 }))).map((subsets) => subsets.map((es) => fold(jsonMerge, es)!)),
    );
    fc.assert(
      fc.property(states, ([x, y, z]) => {
        expect(visible(jsonMerge.merge(x!, y!))).toEqual(visible(jsonMerge.merge(y!, x!)));
        expect(visible(jsonMerge.merge(jsonMerge.merge(x!, y!), z!))).toEqual(visible(jsonMerge.merge(x!, jsonMerge.merge(y!, z!))));
        expect(visible(jsonMerge.merge(x!, x!))).toEqual(visible(x));
      }),
      { numRuns: 300 },
    );
  });

  it('property: merging a state with itself after a round trip through JSON changes nothing', () => {
    fc.assert(
      fc.property(entries, (es) => {
        const doc = fold(jsonMerge, es)!;
        const reloaded = JSON.parse(JSON.stringify(doc)) as StoredDocument;
        expect(visible(jsonMerge.merge(reloaded, doc))).toEqual(visible(doc));
      }),
    );
  });
});

describe('ResolverRegistry', () => {
  it('picks a resolver per collection and falls back to last-write-wins', () => {
    const custom: ConflictResolver = { name: 'first-wins', fromEntry: lastWriteWins.fromEntry, merge: (local) => local };
    const registry = new ResolverRegistry({ profiles: 'json-merge', counters: custom });
    expect(registry.for('profiles')).toBe(jsonMerge);
    expect(registry.for('counters')).toBe(custom);
    expect(registry.for('todos')).toBe(lastWriteWins);
  });

  it('rejects unknown resolvers with invalid_options', () => {
    expect(() => new ResolverRegistry({ todos: 'newest' as never })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => new ResolverRegistry({ 'bad name': 'json-merge' })).toThrow(expect.objectContaining({ code: 'invalid_collection' }));
  });
});
