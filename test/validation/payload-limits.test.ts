import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { isSluiceError } from '../../src/core/errors.ts';
import { assertJsonValue, canonicalJson, MAX_JSON_DEPTH } from '../../src/core/json.ts';
import { createEntry } from '../../src/core/oplog-entry.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import { WorkerPipeline } from '../../src/runtime/worker/worker-pipeline.ts';

/*
 * Every input has a bounded cost: a value nested deeper than MAX_JSON_DEPTH is refused with
 * payload_too_deep (never a stack overflow), and a value whose JSON is over the payload limit is
 * refused with payload_too_large while it is being serialised, without stringifying a huge string
 * or walking a huge array first. No timing here: the proofs are what the walk touches.
 */

/** `levels` nested arrays around 1: nested(1) is [1]. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

function thrown(work: () => unknown): { code: string; details: unknown } | 'accepted' {
  try {
    work();
    return 'accepted';
  } catch (error) {
    return isSluiceError(error) ? { code: error.code, details: error.details } : { code: `not a SluiceError: ${(error as Error)?.name}: ${(error as Error)?.message}`, details: undefined };
  }
}

async function rejected(work: () => Promise<unknown>): Promise<{ code: string; details: unknown } | 'accepted'> {
  try {
    await work();
    return 'accepted';
  } catch (error) {
    return isSluiceError(error) ? { code: error.code, details: error.details } : { code: `not a SluiceError: ${(error as Error)?.name}: ${(error as Error)?.message}`, details: undefined };
  }
}

describe('canonicalJson and assertJsonValue: depth', () => {
  it('MAX_JSON_DEPTH is 64: 64 levels serialise, 65 are refused with the path to the 65th', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(canonicalJson(nested(64))).toBe(`${'['.repeat(64)}1${']'.repeat(64)}`);
    const deep = { a: nested(64) };
    for (const check of [() => canonicalJson(deep), () => assertJsonValue(deep)]) {
      expect(thrown(check)).toEqual({ code: 'payload_too_deep', details: { limit: 64, path: `$.a${'[0]'.repeat(63)}` } });
    }
    expect(thrown(() => assertJsonValue(nested(64)))).toBe('accepted');
  });

  it('100k nested arrays or objects: payload_too_deep, not a RangeError from a stack overflow', () => {
    let objects: unknown = 1;
    for (let i = 0; i < 100_000; i++) objects = { child: objects };
    for (const value of [nested(100_000), objects]) {
      for (const check of [() => canonicalJson(value), () => assertJsonValue(value), () => canonicalJson(value, { maxBytes: 1024 * 1024 })]) {
        expect(thrown(check)).toMatchObject({ code: 'payload_too_deep', details: { limit: 64 } });
      }
    }
  });

  it('the limit can be set per call (resolver metadata gets a larger one)', () => {
    expect(thrown(() => canonicalJson(nested(3), { maxDepth: 2 }))).toEqual({ code: 'payload_too_deep', details: { limit: 2, path: '$[0][0]' } });
    expect(canonicalJson(nested(100), { maxDepth: 100 })).toHaveLength(201);
  });
});

describe('canonicalJson and assertJsonValue: size budget', () => {
  it('output under the budget is byte-identical to output without one', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = canonicalJson(value);
        const bytes = new TextEncoder().encode(text).length;
        expect(canonicalJson(value, { maxBytes: bytes })).toBe(text);
        expect(thrown(() => assertJsonValue(value, { maxBytes: bytes }))).toBe('accepted');
        expect(thrown(() => canonicalJson(value, { maxBytes: bytes - 1 }))).toMatchObject({ code: 'payload_too_large' });
      }),
    );
  });

  it('counts UTF-8 bytes, not characters: exactly at the limit passes, one byte over is refused', () => {
    const value = { s: 'é'.repeat(10) }; // {"s":"éééééééééé"}: 8 ASCII + 10 two-byte characters
    expect(canonicalJson(value, { maxBytes: 28 })).toBe('{"s":"éééééééééé"}');
    expect(thrown(() => canonicalJson(value, { maxBytes: 27 }))).toEqual({ code: 'payload_too_large', details: { size: 28, limit: 27 } });
  });

  it('refuses a huge string without stringifying it, and names where it stopped', () => {
    const huge = 'x'.repeat(10_000_000);
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      for (const check of [() => canonicalJson({ a: 1, b: huge }, { maxBytes: 1024 }), () => assertJsonValue({ a: 1, b: huge }, { maxBytes: 1024 })]) {
        expect(thrown(check)).toEqual({ code: 'payload_too_large', details: { limit: 1024, path: '$.b' } });
      }
      expect(stringify.mock.calls.some(([v]) => v === huge)).toBe(false);
      // a huge key too
      expect(thrown(() => canonicalJson({ [huge]: 1 }, { maxBytes: 1024 }))).toMatchObject({ code: 'payload_too_large' });
      expect(stringify.mock.calls.some(([v]) => v === huge)).toBe(false);
    } finally {
      stringify.mockRestore();
    }
  });

  it('refuses a huge array or object before reading its elements or sorting its keys', () => {
    const reads = { array: 0, object: 0 };
    const array = new Proxy(Array.from({ length: 1_000_000 }, () => 0), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.array++;
        return Reflect.get(target, key, receiver);
      },
    });
    const object = new Proxy(Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, 0])), {
      get(target, key, receiver) {
        reads.object++;
        return Reflect.get(target, key, receiver);
      },
    });
    for (const walk of [canonicalJson, assertJsonValue]) {
      expect(thrown(() => walk(array, { maxBytes: 1024 * 1024 }))).toEqual({ code: 'payload_too_large', details: { limit: 1024 * 1024, path: '$' } });
      expect(thrown(() => walk(object, { maxBytes: 1024 * 1024 }))).toEqual({ code: 'payload_too_large', details: { limit: 1024 * 1024, path: '$' } });
    }
    expect(reads).toEqual({ array: 0, object: 0 });
  });

  it('stops as soon as the sum is over: many parts, each small enough alone', () => {
    const reads: number[] = [];
    const parts = new Proxy(Array.from({ length: 100 }, () => 'y'.repeat(100_000)), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
        return Reflect.get(target, key, receiver);
      },
    });
    expect(thrown(() => canonicalJson({ parts }, { maxBytes: 1024 * 1024 }))).toEqual({ code: 'payload_too_large', details: { limit: 1024 * 1024, path: '$.parts[10]' } });
    expect(Math.max(...reads)).toBe(10);
  });

  it('createEntry takes the limit as maxPayloadBytes; without it nothing changes (golden vectors elsewhere)', () => {
    const base = { collection: 'todos', key: 'k', op: 'put' as const, hlc: { wall: 1, logic: 0, nodeId: 'a' }, prevHash: '' };
    expect(thrown(() => createEntry({ ...base, value: { t: 'x'.repeat(2_000) }, maxPayloadBytes: 1_000 }))).toMatchObject({ code: 'payload_too_large', details: { limit: 1_000, path: '$.t' } });
    const entry = createEntry({ ...base, value: { t: 'x'.repeat(2_000) }, maxPayloadBytes: 2_008 });
    expect(entry).toEqual(createEntry({ ...base, value: { t: 'x'.repeat(2_000) } }));
  });
});

describe('put, putMany and append through the node: the same typed refusal in-process and in a worker', () => {
  const nodes: SyncNode[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const n of nodes.splice(0)) await n.close();
  });

  async function start(maxPayloadBytes?: number): Promise<SyncNode> {
    const node = await createNode({
      nodeId: 'n1',
      storage: memoryStorage(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
      heartbeatMs: 0,
      datasets: { primary: {}, notes: { worker: true }, logs: { kind: 'append', worker: false }, traces: { kind: 'append', worker: true } },
    });
    nodes.push(node);
    return node;
  }

  it('deep values: payload_too_deep with the same details for put and putMany, and nothing is written', async () => {
    const node = await start();
    const outcomes: unknown[] = [];
    for (const dataset of ['primary', 'notes']) {
      const items = node.collection('items', dataset);
      outcomes.push(await rejected(() => items.put('k', { tree: nested(100_000) } as never)));
      outcomes.push(await rejected(() => items.put('k', { tree: nested(64) } as never)));
      outcomes.push(await rejected(() => items.putMany([{ key: 'ok', value: 1 }, { key: 'deep', value: nested(65) as never }])));
      expect(await rejected(() => items.put('fits', nested(64) as never))).toBe('accepted');
      expect((await items.all()).map((d) => d.key)).toEqual(['fits']);
    }
    const expected = [
      { code: 'payload_too_deep', details: { limit: 64, path: `$.tree${'[0]'.repeat(63)}` } },
      { code: 'payload_too_deep', details: { limit: 64, path: `$.tree${'[0]'.repeat(63)}` } },
      { code: 'payload_too_deep', details: { limit: 64, path: `$${'[0]'.repeat(64)}` } },
    ];
    expect(outcomes).toEqual([...expected, ...expected]);
  });

  it('deep records: append refuses with payload_too_deep, in-process and for a worker dataset', async () => {
    const node = await start();
    for (const dataset of ['logs', 'traces']) {
      expect(thrown(() => node.dataset(dataset).append({ tree: nested(100_000) }))).toEqual({ code: 'payload_too_deep', details: { limit: 64, path: `$.tree${'[0]'.repeat(63)}` } });
      expect(thrown(() => node.dataset(dataset).append([{ ok: 1 }, { tree: nested(64) }]))).toEqual({ code: 'payload_too_deep', details: { index: 1, limit: 64, path: `$.tree${'[0]'.repeat(63)}` } });
      expect(thrown(() => node.dataset(dataset).append({ tree: nested(63) }))).toBe('accepted');
    }
  });

  it('oversized values: payload_too_large at the storage limit, the same in a worker, nothing written', async () => {
    const node = await start(1_000);
    const outcomes: unknown[] = [];
    for (const dataset of ['primary', 'notes']) {
      const items = node.collection('items', dataset);
      outcomes.push(await rejected(() => items.put('k', { t: 'x'.repeat(10_000) })));
      outcomes.push(await rejected(() => items.putMany([{ key: 'a', value: 1 }, { key: 'b', value: Array.from({ length: 600 }, () => 0) }])));
      // {"t":"..."}: 8 bytes around the string
      expect(await rejected(() => items.put('fits', { t: 'x'.repeat(992) }))).toBe('accepted');
      expect(await rejected(() => items.put('over', { t: 'x'.repeat(993) }))).toMatchObject({ code: 'payload_too_large', details: { limit: 1_000 } });
      expect((await items.all()).map((d) => d.key)).toEqual(['fits']);
    }
    const expected = [
      { code: 'payload_too_large', details: { limit: 1_000, path: '$.t' } },
      { code: 'payload_too_large', details: { limit: 1_000, path: '$' } },
    ];
    expect(outcomes).toEqual([...expected, ...expected]);
  });

  it('a 10 MB string is refused through put and append without ever being stringified', async () => {
    const node = await start();
    const huge = 'x'.repeat(10_000_000);
    const stringify = vi.spyOn(JSON, 'stringify');
    for (const dataset of ['primary', 'notes']) {
      expect(await rejected(() => node.collection('items', dataset).put('k', { huge }))).toEqual({ code: 'payload_too_large', details: { limit: 1024 * 1024, path: '$.huge' } });
    }
    for (const dataset of ['logs', 'traces']) {
      expect(thrown(() => node.dataset(dataset).append({ huge }))).toMatchObject({ code: 'payload_too_large', details: { path: '$.huge' } });
    }
    expect(stringify.mock.calls.some(([v]) => v === huge || (typeof v === 'object' && v !== null && (v as { huge?: string }).huge === huge))).toBe(false);
  });

  it('a worker dataset refuses on the node thread, before the value is cloned to the worker', async () => {
    // A pipeline whose worker never started: anything that reached the worker would fail with worker_crashed.
    const config = { settings: { datasetId: 'docs', nodeId: 'n1', options: { kind: 'documents' }, resolvers: {}, maxFrameBytes: 4 << 20 }, storage: { kind: 'memory', maxPayloadBytes: 1_000 }, peers: [] };
    const pipeline = new WorkerPipeline('docs', config as never, { spawn: () => ({}) as never });
    const put = (value: unknown) => rejected(() => pipeline.write([{ collection: 'items', key: 'k', op: 'put', value }]));
    expect(await put({ t: 'x'.repeat(10_000_000) })).toEqual({ code: 'payload_too_large', details: { limit: 1_000, path: '$.t' } });
    expect(await put(nested(100_000))).toMatchObject({ code: 'payload_too_deep', details: { limit: 64 } });
    expect(await put({ f: () => 1 })).toEqual({ code: 'invalid_payload', details: { path: '$.f' } });
    // several problems: reported where canonicalJson, which sorts keys, meets the first one
    expect(await put({ z: Number.NaN, a: { y: undefined, b: [1, () => 1] } })).toEqual({ code: 'invalid_payload', details: { path: '$.a.b[1]' } });
    expect(thrown(() => canonicalJson({ z: Number.NaN, a: { y: undefined, b: [1, () => 1] } }))).toEqual({ code: 'invalid_payload', details: { path: '$.a.b[1]' } });
    expect(await put({ fine: true })).toMatchObject({ code: 'worker_crashed' });
  });

  it('storage writes and snapshot imports refuse deep and oversized values too', async () => {
    const storage = memoryStorage({ maxPayloadBytes: 1_000 });
    const doc = (value: unknown) => ({ collection: 'c', key: 'k', value: value as never, hlc: { wall: 1, logic: 0, nodeId: 'a' }, deleted: false });
    expect(await rejected(() => storage.open('primary').documents.put(doc(nested(100_000))))).toMatchObject({ code: 'payload_too_deep' });
    expect(await rejected(() => storage.open('primary').documents.put(doc('x'.repeat(10_000_000))))).toEqual({ code: 'payload_too_large', details: { limit: 1_000, path: '$' } });
    const node = await start();
    const snapshot = await node.exportSnapshot('primary');
    expect(await rejected(() => node.importSnapshot({ ...snapshot, documents: [doc(nested(1_000))] }, 'merge'))).toMatchObject({ code: 'payload_too_deep' });
    await storage.close();
  });
});
