import { expect, it } from 'vitest';
import type { StoredDocument } from '../../core/document.ts';
import type { JsonValue } from '../../core/json.ts';
import { runQuery } from '../query/evaluate.ts';
import { normalizeIndexes, type IndexSpec } from '../query/index-spec.ts';
import { explainPlan, planQuery } from '../query/plan.ts';
import { normalizeQuery, type QueryOptions } from '../query/query-spec.ts';
import type { DatasetStore } from '../storage-adapter.ts';
import { hlc } from './fixtures.ts';
import { seeded } from './seeded-random.ts';
import type { SuiteContext } from './suite-context.ts';

/*
 * Queries: every adapter must return exactly what the reference semantics (runQuery) return, in
 * the same order, whichever index the plan names, or none. The corpus mixes types on purpose:
 * missing fields, null, booleans, numbers, strings, objects, arrays, a non-object value and a
 * tombstone, so the type ranks, the type-bracketed ranges and the tie-break are all exercised.
 */

const C = 'tasks';
const INDEXES: IndexSpec[] = normalizeIndexes(['status', ['project', 'n'], 'tag', 'n', 'owner.id']);

const CORPUS: [string, JsonValue][] = [
  ['t01', { status: 'open', project: 'a', n: 3, tag: 'alpha', done: false, owner: { id: 'u1' } }],
  ['t02', { status: 'done', project: 'a', n: 1.5, tag: 'alpine', done: true, owner: { id: 'u2' } }],
  ['t03', { status: 'open', project: 'b', n: -2, tag: 'beta', done: false }],
  ['t04', { status: 'open', project: 'a', n: 3, tag: 'Alpha', done: true }],
  ['t05', { status: null, project: 'b', n: '3', tag: 7 }],
  ['t06', { project: 'a', n: 10, tag: 'al', owner: { id: 'u1' } }],
  ['t07', { status: 'open', project: 'c', n: [1, 2], tag: { x: 1 } }],
  ['t08', { status: 'done', project: 'b', n: 0, tag: '', done: false }],
  ['t09', { status: 'open', project: 'a', n: 100, tag: 'alp', done: false }],
  ['t11', 'just a string'],
  ['t12', { status: 'open', project: 'a', n: true }],
];

const doc = (key: string, value: JsonValue, wall = 1, deleted = false, collection = C): StoredDocument => ({ collection, key, value, hlc: hlc(wall, 'n1'), deleted });

async function seed(store: DatasetStore, declareFirst = true): Promise<StoredDocument[]> {
  if (declareFirst) await store.documents.ensureIndexes(C, INDEXES);
  const docs = CORPUS.map(([key, value]) => doc(key, value));
  await store.documents.applyBatch({ documents: [...docs, doc('t10', null, 1, true), doc('n1', { status: 'open' }, 1, false, 'notes')], entries: [] });
  return docs;
}

/** The adapter's answer, as keys, for the plan over `indexes`. */
async function keys(store: DatasetStore, query: QueryOptions, indexes: readonly IndexSpec[] = INDEXES): Promise<string[]> {
  return (await store.documents.query(C, planQuery(normalizeQuery(query), indexes))).map((d) => d.key);
}

/** Every index set a plan could come from: all of them, none, and each alone. */
const INDEX_SETS: IndexSpec[][] = [INDEXES, [], ...INDEXES.map((i) => [i])];

const CASES: [string, QueryOptions, string[]][] = [
  ['eq', { where: { status: 'open' } }, ['t01', 't03', 't04', 't07', 't09', 't12']],
  ['eq null matches null and missing', { where: { status: null } }, ['t05', 't06', 't11']],
  ['ne', { where: { status: { ne: 'open' } } }, ['t02', 't05', 't06', 't08', 't11']],
  ['in', { where: { status: { in: ['done', null] } } }, ['t02', 't05', 't06', 't08', 't11']],
  ['gt within a compound index, ordered', { where: { project: 'a', n: { gt: 2 } }, orderBy: 'n' }, ['t01', 't04', 't06', 't09']],
  ['gte with offset and limit', { where: { n: { gte: 3 } }, orderBy: 'n', offset: 1, limit: 2 }, ['t04', 't06']],
  ['lte is bracketed by type', { where: { n: { lte: 1.5 } } }, ['t02', 't03', 't08']],
  ['lt on strings', { where: { tag: { lt: 'alp' } } }, ['t04', 't06', 't08']],
  ['prefix', { where: { tag: { prefix: 'al' } } }, ['t01', 't02', 't06', 't09']],
  ['empty prefix is every string', { where: { tag: { prefix: '' } } }, ['t01', 't02', 't03', 't04', 't06', 't08', 't09']],
  ['booleans', { where: { done: true } }, ['t02', 't04']],
  ['nested field', { where: { 'owner.id': 'u1' } }, ['t01', 't06']],
  ['descending order ranks types', { orderBy: { n: 'desc' }, limit: 3 }, ['t07', 't05', 't09']],
  ['mixed directions, ties by key in the last direction', { orderBy: [{ project: 'asc' }, { n: 'desc' }] }, ['t11', 't09', 't06', 't04', 't01', 't02', 't12', 't05', 't08', 't03', 't07']],
  ['two ranges on one field', { where: { n: { gt: 0, lt: 10 } }, orderBy: { n: 'desc' } }, ['t04', 't01', 't02']],
  ['limit 0', { where: { status: 'open' }, limit: 0 }, []],
  ['offset past the end', { orderBy: 'tag', offset: 50 }, []],
];

export function queryContract(ctx: SuiteContext): void {
  it('answers each operator, order, offset and limit as specified, with every index choice', async () => {
    const store = ctx.adapter().open('primary');
    const docs = await seed(store);
    for (const [name, query, expected] of CASES) {
      expect({ name, reference: runQuery(docs, normalizeQuery(query)).map((d) => d.key) }).toEqual({ name, reference: expected });
      for (const indexes of INDEX_SETS) {
        expect({ name, indexes: indexes.map((i) => i.name), got: await keys(store, query, indexes) }).toEqual({ name, indexes: indexes.map((i) => i.name), got: expected });
      }
    }
  });

  it('returns keys and values, never tombstones or other collections', async () => {
    const store = ctx.adapter().open('primary');
    await seed(store);
    for (const indexes of [INDEXES, []]) {
      expect(await store.documents.query(C, planQuery(normalizeQuery({ where: { 'owner.id': 'u2' } }), indexes))).toEqual([{ key: 't02', value: CORPUS[1]![1] }]);
    }
    expect(await keys(store, { where: { status: 'open' } }, [])).toEqual(['t01', 't03', 't04', 't07', 't09', 't12']);
  });

  it('plans on the most selective declared index, and explain() says which', () => {
    const explain = (query: QueryOptions) => explainPlan(planQuery(normalizeQuery(query), INDEXES));
    expect(explain({ where: { status: 'open' } })).toEqual({ index: 'status', equalFields: 1, rangeField: null, sortedByIndex: true });
    expect(explain({ where: { project: 'a', n: { gt: 2 } } })).toEqual({ index: 'project+n', equalFields: 1, rangeField: 'n', sortedByIndex: false });
    expect(explain({ where: { project: 'a', n: { gt: 2 } }, orderBy: 'n' })).toMatchObject({ index: 'project+n', sortedByIndex: true });
    expect(explain({ where: { project: 'a' }, orderBy: { n: 'desc' } })).toMatchObject({ index: 'project+n', sortedByIndex: true });
    expect(explain({ where: { tag: { prefix: 'al' } } })).toMatchObject({ index: 'tag', rangeField: 'tag', sortedByIndex: false });
    expect(explain({ orderBy: { n: 'desc' } })).toMatchObject({ index: 'n', equalFields: 0, sortedByIndex: true });
    expect(explain({ where: { title: 'x' } })).toEqual({ index: null, equalFields: 0, rangeField: null, sortedByIndex: false });
  });

  it('keeps indexes current through puts, batches, tombstones and snapshot imports', async () => {
    const store = ctx.adapter().open('primary');
    await seed(store);
    await store.documents.put(doc('t01', { status: 'done', project: 'z' }, 2));
    await store.documents.put(doc('t03', null, 2, true));
    await store.documents.applyBatch({ documents: [doc('t20', { status: 'open', project: 'a', n: 5 }, 2)], entries: [] });
    expect(await keys(store, { where: { status: 'open' } })).toEqual(['t04', 't07', 't09', 't12', 't20']);
    expect(await keys(store, { where: { project: 'a', n: { gte: 3 } } })).toEqual(['t04', 't20', 't06', 't09'].sort());
    expect(await keys(store, { where: { project: 'a', n: { gte: 3 } }, orderBy: 'n' })).toEqual(['t04', 't20', 't06', 't09']);
    await store.documents.delete(C, 't04');
    expect(await keys(store, { where: { status: 'open' } })).toEqual(['t07', 't09', 't12', 't20']);

    const snapshot = await store.snapshots.export();
    await store.snapshots.import({ ...snapshot, documents: [doc('s1', { status: 'open', n: 1 }), doc('s2', { status: 'done', n: 2 })] }, { mode: 'replace' });
    expect(await keys(store, { where: { status: 'open' } })).toEqual(['s1']);
    expect(await keys(store, { orderBy: { n: 'desc' } })).toEqual(['s2', 's1']);
  });

  it('indexes documents stored before the index was declared, and declaring again changes nothing', async () => {
    const store = ctx.adapter().open('primary');
    const docs = await seed(store, false);
    await store.documents.ensureIndexes(C, INDEXES);
    await store.documents.ensureIndexes(C, INDEXES.slice(0, 2));
    for (const [name, query, expected] of CASES) {
      expect({ name, got: await keys(store, query) }).toEqual({ name, got: expected });
    }
    expect(runQuery(docs, normalizeQuery({ where: { status: 'open' } })).length).toBe(6);
  });

  it('agrees with the reference on random documents and random queries', async () => {
    const store = ctx.adapter().open('primary');
    await store.documents.ensureIndexes(C, INDEXES);
    const random = seeded(1337);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    // ASCII strings only: IndexedDB orders strings by UTF-16 unit, SQL by code point (see scalar-order.ts).
    const values: JsonValue[] = [null, true, false, 0, 1, -1, 2.5, 7, 'a', 'ab', 'b', 'B', '', 'abc', { x: 1 }, [1]];
    const field = () => pick(['status', 'project', 'n', 'tag', 'owner.id']);
    const docs: StoredDocument[] = [];
    for (let i = 0; i < 150; i++) {
      const value: Record<string, JsonValue> = {};
      for (const f of ['status', 'project', 'n', 'tag']) if (random() < 0.85) value[f] = pick(values);
      if (random() < 0.5) value.owner = { id: pick(values) };
      const tombstone = random() < 0.1;
      docs.push(doc(`k${String(i).padStart(3, '0')}`, tombstone ? null : value, 1, tombstone));
    }
    await store.documents.applyBatch({ documents: docs, entries: [] });
    const scalars = values.filter((v) => v === null || typeof v !== 'object');
    for (let round = 0; round < 150; round++) {
      const where: Record<string, unknown> = {};
      for (let n = Math.floor(random() * 3); n > 0; n--) {
        const op = pick(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'prefix'] as const);
        const operand = op === 'prefix' ? pick(['a', 'ab', '', 'b']) : op === 'in' ? [pick(scalars), pick(scalars)] : pick(scalars);
        if (operand === null && ['gt', 'gte', 'lt', 'lte'].includes(op)) continue;
        where[field()] = op === 'eq' ? operand : { [op]: operand };
      }
      const orderBy = Array.from({ length: Math.floor(random() * 3) }, () => ({ [field()]: pick(['asc', 'desc'] as const) }));
      const query: QueryOptions = { where: where as never, orderBy, ...(random() < 0.5 ? { limit: Math.floor(random() * 20) } : {}), ...(random() < 0.3 ? { offset: Math.floor(random() * 10) } : {}) };
      let normalized;
      try {
        normalized = normalizeQuery(query);
      } catch {
        continue; // a repeated field in orderBy objects is fine; anything the checker refuses is not a query
      }
      const expected = runQuery(docs, normalized).map((d) => d.key);
      expect({ query, got: await keys(store, query) }).toEqual({ query, got: expected });
    }
  });

  it('refuses a bad collection name before reading', async () => {
    const store = ctx.adapter().open('primary');
    await expect(store.documents.query('bad name', planQuery(normalizeQuery({}), []))).rejects.toMatchObject({ code: 'invalid_collection' });
    await expect(store.documents.ensureIndexes('bad name', INDEXES)).rejects.toMatchObject({ code: 'invalid_collection' });
  });
}
