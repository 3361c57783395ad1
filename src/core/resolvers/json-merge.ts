import type { StoredDocument } from '../document.ts';
import { maxHlc, parseSortableHlc, sortableHlc, type Hlc } from '../hlc.ts';
import { canonicalJson, isPlainObject, type JsonObject, type JsonValue } from '../json.ts';
import type { OplogEntry } from '../oplog-entry.ts';
import type { ConflictResolver } from './resolver.ts';

/*
 * Recursive JSON merge as a state-based CRDT.
 *
 * A naive "newer side wins on conflicting fields" merge is not associative: once two states are
 * merged, the older side's clock is lost and a third state merged later decides differently on
 * another replica. So each document keeps a clock tree in `meta`, and `merge` is a join:
 *
 * - a leaf (string, number, boolean, null, or an array that is not an id-array) is last-write-wins
 *   by the HLC of the write that set it;
 * - an object merges field by field; fields present on only one side are kept;
 * - an id-array (every element an object with a unique string/number `id` or `_id`) merges
 *   element by element by id; element order follows the newest write that contained each element
 *   (newest write first, then its index), so every replica orders them the same way;
 * - when a path holds different kinds on two sides (say a string and an object), both are kept in
 *   the tree and the kind written last is visible, so later merges still agree;
 * - a whole-document delete hides everything written before it; writes after it show again.
 *
 * Consequences users see (also in docs/architecture.md): merging never drops a field or an
 * id-array element that one side has. To remove a field, set it to null; to remove an element,
 * write the array without ids (a leaf, replaced whole) or mark the element (e.g. `deleted: true`).
 * Arrays without ids (or with duplicate ids) are leaves: the newest write replaces them whole.
 */

type Clock = string; // sortableHlc: lexicographic order is HLC order

interface ItemNode {
  /** [clock of the newest write containing the element, its index in that write] */
  p: [Clock, number];
  n: ClockNode;
}

interface ClockNode {
  s?: [JsonValue, Clock];
  o?: { c: Clock; f: Record<string, ClockNode> };
  a?: { c: Clock; i: Record<string, ItemNode> };
}

interface MergeMeta {
  t: ClockNode;
  /** Clock of the newest whole-document delete, '' if none. */
  d: Clock;
}

function idOf(element: JsonValue): string | undefined {
  if (!isPlainObject(element)) return undefined;
  const id = element.id !== undefined ? element.id : element._id;
  if (typeof id === 'string') return `s:${id}`;
  if (typeof id === 'number' && Number.isFinite(id)) return `n:${id}`;
  return undefined;
}

function idArrayKeys(value: JsonValue[]): string[] | undefined {
  if (value.length === 0) return undefined;
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const element of value) {
    const id = idOf(element);
    if (id === undefined || seen.has(id)) return undefined;
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

function build(value: JsonValue, clock: Clock): ClockNode {
  if (isPlainObject(value)) {
    const f: Record<string, ClockNode> = {};
    for (const [k, v] of Object.entries(value)) f[k] = build(v, clock);
    return { o: { c: clock, f } };
  }
  if (Array.isArray(value)) {
    const ids = idArrayKeys(value);
    if (ids !== undefined) {
      const i: Record<string, ItemNode> = {};
      ids.forEach((id, index) => {
        i[id] = { p: [clock, index], n: build(value[index]!, clock) };
      });
      return { a: { c: clock, i } };
    }
  }
  return { s: [value, clock] };
}

function maxClock(a: Clock, b: Clock): Clock {
  return a >= b ? a : b;
}

function joinLeaf(a: [JsonValue, Clock], b: [JsonValue, Clock]): [JsonValue, Clock] {
  if (a[1] !== b[1]) return a[1] > b[1] ? a : b;
  // Same clock means the same write; compare canonically anyway so a corrupt peer cannot split replicas.
  return canonicalJson(a[0]) >= canonicalJson(b[0]) ? a : b;
}

function joinRecord<T>(a: Record<string, T>, b: Record<string, T>, join: (x: T, y: T) => T): Record<string, T> {
  const out: Record<string, T> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    out[k] = mine === undefined ? v : join(mine, v);
  }
  return out;
}

function joinItem(a: ItemNode, b: ItemNode): ItemNode {
  const p = a.p[0] !== b.p[0] ? (a.p[0] > b.p[0] ? a.p : b.p) : a.p[1] <= b.p[1] ? a.p : b.p;
  return { p, n: join(a.n, b.n) };
}

function join(a: ClockNode, b: ClockNode): ClockNode {
  const out: ClockNode = {};
  if (a.s && b.s) out.s = joinLeaf(a.s, b.s);
  else if (a.s || b.s) out.s = (a.s ?? b.s)!;
  if (a.o && b.o) out.o = { c: maxClock(a.o.c, b.o.c), f: joinRecord(a.o.f, b.o.f, join) };
  else if (a.o || b.o) out.o = (a.o ?? b.o)!;
  if (a.a && b.a) out.a = { c: maxClock(a.a.c, b.a.c), i: joinRecord(a.a.i, b.a.i, joinItem) };
  else if (a.a || b.a) out.a = (a.a ?? b.a)!;
  return out;
}

/** The visible value; undefined when everything at this path predates the delete clock. */
function render(node: ClockNode, deletedAt: Clock): JsonValue | undefined {
  let best: 's' | 'o' | 'a' | undefined;
  let bestClock = deletedAt;
  if (node.s && node.s[1] > bestClock) [best, bestClock] = ['s', node.s[1]];
  if (node.o && node.o.c > bestClock) [best, bestClock] = ['o', node.o.c];
  if (node.a && node.a.c > bestClock) [best, bestClock] = ['a', node.a.c];
  if (best === 's') return node.s![0];
  if (best === 'o') {
    const out: JsonObject = {};
    for (const k of Object.keys(node.o!.f).sort()) {
      const v = render(node.o!.f[k]!, deletedAt);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (best === 'a') {
    const items = Object.entries(node.a!.i)
      .map(([id, item]) => ({ id, p: item.p, v: render(item.n, deletedAt) }))
      .filter((item): item is { id: string; p: [Clock, number]; v: JsonValue } => item.v !== undefined);
    // The id is a last tie-break, so the order never depends on which state was merged first.
    items.sort((x, y) => (x.p[0] !== y.p[0] ? (x.p[0] > y.p[0] ? -1 : 1) : x.p[1] !== y.p[1] ? x.p[1] - y.p[1] : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return items.map((item) => item.v);
  }
  return undefined;
}

function newestClock(node: ClockNode): Clock {
  let c = '';
  if (node.s) c = maxClock(c, node.s[1]);
  if (node.o) {
    c = maxClock(c, node.o.c);
    for (const f of Object.values(node.o.f)) c = maxClock(c, newestClock(f));
  }
  if (node.a) {
    c = maxClock(c, node.a.c);
    for (const item of Object.values(node.a.i)) c = maxClock(c, maxClock(item.p[0], newestClock(item.n)));
  }
  return c;
}

function metaOf(doc: StoredDocument): MergeMeta {
  const meta = doc.meta as MergeMeta | null | undefined;
  if (meta && typeof meta === 'object' && 't' in meta && 'd' in meta) return meta;
  // A document written under another resolver (or before this one was configured): adopt its state as one write.
  const clock = sortableHlc(doc.hlc);
  return doc.deleted ? { t: {}, d: clock } : { t: build(doc.value as JsonValue, clock), d: '' };
}

function toDocument(collection: string, key: string, meta: MergeMeta, hlc: Hlc): StoredDocument {
  const value = render(meta.t, meta.d);
  return {
    collection,
    key,
    value: value === undefined ? null : value,
    hlc,
    deleted: value === undefined,
    meta: meta as unknown as JsonValue,
  };
}

export const jsonMerge: ConflictResolver = {
  name: 'json-merge',
  fromEntry(entry: OplogEntry): StoredDocument {
    const clock = sortableHlc(entry.hlc);
    const meta: MergeMeta =
      entry.op === 'delete' ? { t: {}, d: clock } : { t: build(JSON.parse(entry.payload!) as JsonValue, clock), d: '' };
    return toDocument(entry.collection, entry.key, meta, entry.hlc);
  },
  merge(local, incoming) {
    const a = metaOf(local);
    const b = metaOf(incoming);
    const meta: MergeMeta = { t: join(a.t, b.t), d: maxClock(a.d, b.d) };
    const newest = maxClock(newestClock(meta.t), meta.d);
    const hlc = newest === '' ? maxHlc(local.hlc, incoming.hlc) : parseSortableHlc(newest);
    return toDocument(local.collection, local.key, meta, hlc);
  },
};
