import { describe, expect, it, vi } from 'vitest';
import { isSluiceError, SluiceError } from '../../src/core/errors.ts';
import {
  AppendBuffer,
  CLOSE_INGEST_ATTEMPTS,
  flushOnPageHide,
  MAX_SPILL_IN_FLIGHT,
  RETRY_BASE_MS,
  type AppendBufferOptions,
  type AppendBufferStats,
  type AppendSink,
} from '../../src/pipeline/append-buffer.ts';
import { drain, FakeClock, range, TestSink, totalDropped } from './append-harness.ts';

function setup(options: AppendBufferOptions = {}) {
  const clock = new FakeClock();
  const sink = new TestSink();
  const buffer = new AppendBuffer({ maxRecords: 10, flushRecords: 5, maxInFlight: 1, ...options }, sink, clock);
  return { clock, sink, buffer };
}

type Setup = ReturnType<typeof setup>;

/** A record whose JSON is exactly `bytes` long (ids 0-9 only). */
function sized(id: number, bytes: number): { id: number; p: string } {
  const record = { id, p: '' };
  record.p = 'x'.repeat(bytes - JSON.stringify(record).length);
  expect(JSON.stringify(record).length).toBe(bytes);
  return record;
}

function appendIds(buffer: AppendBuffer, ids: number[]): (void | Promise<void>)[] {
  return ids.map((id) => buffer.append({ id }));
}

/** Closes while settling every sink call with `ok` and moving time on until close() resolves. */
async function closeSettling({ buffer, sink, clock }: Setup, ok = true): Promise<void> {
  let closed = false;
  const closing = buffer.close().then(() => {
    closed = true;
  });
  for (let round = 0; round < 100 && !closed; round++) {
    for (const call of [...sink.pendingIngests(), ...sink.pendingSpills()]) {
      if (ok) call.resolve();
      else call.reject();
    }
    await clock.advance(10_000);
  }
  expect(closed).toBe(true);
  await closing;
}

function expectBalanced(stats: AppendBufferStats): void {
  expect(stats.depth).toBe(0);
  expect(stats.bytes).toBe(0);
  expect(stats.inFlight).toBe(0);
  expect(stats.appended).toBe(stats.ingested + stats.spilled + totalDropped(stats.dropped));
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isSluiceError(error) ? error.code : `not a SluiceError: ${String(error)}`;
  }
  return undefined;
}

function field(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (isSluiceError(error, 'invalid_options')) return error.details?.field;
    throw error;
  }
  return undefined;
}

describe('AppendBuffer options', () => {
  const sink = new TestSink();
  it.each([
    [{ maxRecords: 0 }, 'maxRecords'],
    [{ maxRecords: 1.5 }, 'maxRecords'],
    [{ maxBytes: -1 }, 'maxBytes'],
    [{ flushRecords: '5' }, 'flushRecords'],
    [{ flushRecords: 20, maxRecords: 10 }, 'flushRecords'],
    [{ flushBytes: 8 }, 'flushBytes'],
    [{ flushBytes: 2 * 1024 * 1024, maxBytes: 4 * 1024 * 1024 }, 'flushBytes'],
    [{ flushBytes: 1000, maxBytes: 500 }, 'flushBytes'],
    [{ flushIntervalMs: 0 }, 'flushIntervalMs'],
    [{ maxInFlight: Number.NaN }, 'maxInFlight'],
    [{ policy: 'drop-all' }, 'policy'],
    [{ bogus: 1 }, 'bogus'],
  ])('rejects %j naming %s', (options, expected) => {
    expect(field(() => new AppendBuffer(options as AppendBufferOptions, sink))).toBe(expected);
  });

  it('rejects a sink without ingest, and a spill policy without sink.spill', () => {
    expect(field(() => new AppendBuffer({}, {} as AppendSink))).toBe('sink');
    expect(field(() => new AppendBuffer({ policy: 'spill' }, { ingest: () => Promise.resolve() } as unknown as AppendSink))).toBe('sink.spill');
    expect(() => new AppendBuffer({ policy: 'drop-newest' }, { ingest: () => Promise.resolve() } as unknown as AppendSink)).not.toThrow();
  });

  it('clamps the flush defaults to a small bound instead of refusing it', async () => {
    const s = new TestSink();
    s.ingestMode = 'ok';
    const buffer = new AppendBuffer({ maxRecords: 3 }, s, new FakeClock());
    appendIds(buffer, [0, 1, 2]);
    await drain();
    // flushRecords defaulted to 3, so three records make a full batch
    expect(s.ingestCalls.map((c) => c.batch.count)).toEqual([3]);
  });
});

describe('AppendBuffer record validation', () => {
  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = { id: 1 };
  cyclic.self = cyclic;
  it.each([
    ['a function', () => {}],
    ['a string', 'hello'],
    ['a number', 42],
    ['null', null],
    ['a class instance', new Point()],
    ['a Map', new Map()],
    ['NaN', { v: Number.NaN }],
    ['Infinity', { v: Number.POSITIVE_INFINITY }],
    ['an undefined value', { v: undefined }],
    ['an undefined array element', { v: [1, undefined] }],
    ['an array hole', { v: [1, , 3] }],
    ['a nested function', { v: { f: () => 1 } }],
    ['a cycle', cyclic],
    ['a Date', { at: new Date(0) }],
    ['a bigint', { n: 10n }],
    ['a symbol', { s: Symbol('x') }],
    ['an object with toJSON', { toJSON: () => ({}) }],
  ])('refuses %s with invalid_payload and buffers nothing', (_name, record) => {
    const { buffer } = setup();
    expect(code(() => buffer.append(record))).toBe('invalid_payload');
    expect(buffer.stats()).toMatchObject({ appended: 0, depth: 0, bytes: 0 });
  });

  it('names the path of the offending value', () => {
    const { buffer } = setup();
    try {
      buffer.append({ a: { b: [1, Number.NaN] } });
      expect.unreachable();
    } catch (error) {
      expect(isSluiceError(error, 'invalid_payload') && error.details).toEqual({ path: '$.a.b[1]' });
    }
  });

  it('validates a whole array before buffering any of it', async () => {
    const { buffer, sink } = setup();
    try {
      buffer.append([{ id: 0 }, { id: 1 }, { id: 2, v: undefined }, { id: 3 }]);
      expect.unreachable();
    } catch (error) {
      expect(isSluiceError(error, 'invalid_payload') && error.details).toEqual({ index: 2, path: '$.v' });
    }
    expect(code(() => buffer.append([{ id: 0 }, [{ id: 1 }]]))).toBe('invalid_payload');
    expect(buffer.stats()).toMatchObject({ appended: 0, depth: 0 });
    await buffer.flush();
    expect(sink.ingestCalls).toHaveLength(0);
    // numbering did not advance: the next record is seq 0
    buffer.append({ id: 0 });
    void buffer.flush();
    expect(sink.ingestCalls[0]!.batch.firstSeq).toBe(0);
  });

  it('tells a cycle from deep nesting', () => {
    const { buffer } = setup();
    try {
      buffer.append(cyclic);
      expect.unreachable();
    } catch (error) {
      expect(isSluiceError(error, 'invalid_payload') && [error.message, error.details]).toEqual([expect.stringContaining('cycle'), { path: '$.self' }]);
    }
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    try {
      buffer.append({ deep });
      expect.unreachable();
    } catch (error) {
      // refused at the depth limit, not by a stack overflow: the record is level 1, the path names level 65
      expect(isSluiceError(error, 'payload_too_deep') && [error.message, error.details]).toEqual([
        expect.stringContaining('more than 64 levels deep'),
        { path: `$.deep${'[0]'.repeat(63)}`, limit: 64 },
      ]);
    }
  });

  it('accepts shared (non-cyclic) references, null-prototype objects and nested JSON', () => {
    const { buffer } = setup();
    const shared = { x: 1 };
    const bare = Object.assign(Object.create(null) as object, { id: 2 });
    buffer.append([{ id: 0, a: shared, b: shared }, { id: 1, deep: { list: [null, true, 'é', 1.5, { k: [] }] } }, bare]);
    expect(buffer.stats().appended).toBe(3);
  });

  it('refuses a record whose one-record batch would exceed flushBytes with payload_too_large', () => {
    const { buffer } = setup({ flushBytes: 64, maxBytes: 1000 });
    buffer.append(sized(0, 62)); // [ + 62 + ] = 64 bytes: fits exactly
    expect(code(() => buffer.append(sized(1, 63)))).toBe('payload_too_large');
    expect(code(() => buffer.append([sized(2, 20), sized(3, 63)]))).toBe('payload_too_large');
    expect(buffer.stats()).toMatchObject({ appended: 1, depth: 1 });
  });
});

describe('AppendBuffer encoding', () => {
  it('hands the sink the records themselves, unserialised, under the buffer\'s source id', async () => {
    const { buffer, sink } = setup();
    const records = [{ id: 0, msg: 'hello' }, { id: 1, tags: ['a', 'b'], n: -5, ok: true, none: null }];
    buffer.append(records);
    // The estimate is exact for ASCII text and integers: the records' JSON without [ , ].
    expect(buffer.stats().bytes).toBe(JSON.stringify(records).length - 3);
    void buffer.flush();
    const { batch } = sink.ingestCalls[0]!;
    expect(batch).toMatchObject({ count: 2, firstSeq: 0, source: buffer.source });
    expect(batch.records[0]).toBe(records[0]);
    expect(batch.records[1]).toBe(records[1]);
    expect(buffer.source).toMatch(/^[0-9a-f]{12}$/);
    expect(new AppendBuffer({}, sink, new FakeClock()).source).not.toBe(buffer.source);
  });

  it('keeps its own copy of an appended array, so the caller may reuse it', async () => {
    const { buffer, sink } = setup();
    const records = [{ id: 0 }, { id: 1 }];
    buffer.append(records);
    records.length = 0;
    void buffer.flush();
    expect(sink.ingestCalls[0]!.records.map((r) => r.id)).toEqual([0, 1]);
  });

  it('counts records the pipeline refused once encoded in dropped.refused, under every policy, without retrying', async () => {
    for (const policy of ['block', 'spill', 'drop-oldest', 'drop-newest'] as const) {
      const ctx = setup({ policy, flushRecords: 3 });
      const { buffer, sink } = ctx;
      appendIds(buffer, range(0, 6));
      await drain();
      sink.ingestCalls[0]!.reject(new SluiceError('payload_too_large', 'too large once encoded'));
      await drain();
      expect(buffer.stats()).toMatchObject({ depth: 0, dropped: { refused: 3, 'ingest-failed': 0 } });
      // A batch stored in part reports the records it could not carry.
      sink.ingestCalls[1]!.resolve();
      await closeSettling(ctx);
      expect(sink.ingestCalls).toHaveLength(2);
      expect(buffer.stats()).toMatchObject({ ingested: 3, dropped: { refused: 3 } });
      expectBalanced(buffer.stats());
    }
  });

  it('takes { refused } from a sink that stored a batch in part', async () => {
    const clock = new FakeClock();
    const buffer = new AppendBuffer({ flushRecords: 4 }, { ingest: () => Promise.resolve({ refused: 1 }), spill: () => Promise.resolve() }, clock);
    appendIds(buffer, range(0, 4));
    await buffer.close();
    expect(buffer.stats()).toMatchObject({ appended: 4, ingested: 3, dropped: { refused: 1 } });
  });

  it('numbers records in append order across batches and calls', async () => {
    const { buffer, sink } = setup({ maxRecords: 50, maxInFlight: 5 });
    sink.ingestMode = 'ok';
    buffer.append({ id: 0 });
    buffer.append(range(1, 8).map((id) => ({ id })));
    buffer.append([{ id: 8 }, { id: 9 }, { id: 10 }, { id: 11 }]);
    await buffer.flush();
    expect(sink.ingestCalls.map((c) => [c.batch.firstSeq, c.batch.count])).toEqual([
      [0, 5],
      [5, 5],
      [10, 2],
    ]);
    for (const call of sink.ingestCalls) expect(call.records.map((r) => r.id)).toEqual(range(call.batch.firstSeq, call.batch.firstSeq + call.batch.count));
  });
});

describe('AppendBuffer flush triggers', () => {
  it('flushes at flushRecords asynchronously, never inside append()', async () => {
    const { buffer, sink } = setup({ maxInFlight: 2 });
    appendIds(buffer, range(0, 4));
    await drain();
    expect(sink.ingestCalls).toHaveLength(0);
    buffer.append({ id: 4 });
    expect(sink.ingestCalls).toHaveLength(0);
    await Promise.resolve();
    expect(sink.ingestCalls.map((c) => c.records.map((r) => r.id))).toEqual([range(0, 5)]);
    expect(buffer.stats()).toMatchObject({ depth: 0, inFlight: 1, flushes: 1 });
  });

  it('flushes at flushBytes and cuts the batch so its bytes stay within flushBytes', async () => {
    const { buffer, sink } = setup({ flushBytes: 100, maxBytes: 1000, flushRecords: 10, maxInFlight: 2 });
    buffer.append([sized(0, 30), sized(1, 30), sized(2, 30)]); // 90 bytes buffered: below 100
    await drain();
    expect(sink.ingestCalls).toHaveLength(0);
    buffer.append(sized(3, 30));
    await drain();
    // [a,b,c] = 94 bytes; a fourth record would make 125
    expect(sink.ingestCalls.map((c) => c.batch.count)).toEqual([3]);
    expect(JSON.stringify(sink.ingestCalls[0]!.batch.records).length).toBe(94);
    // the last record alone is not a full batch: it waits for the interval
    expect(buffer.stats()).toMatchObject({ depth: 1, bytes: 30 });
  });

  it('flushes whatever is buffered every flushIntervalMs, with one timer armed only while records wait', async () => {
    const { buffer, sink, clock } = setup({ flushIntervalMs: 200 });
    expect(clock.pendingTimers).toBe(0);
    appendIds(buffer, [0, 1, 2]);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(199);
    expect(sink.ingestCalls).toHaveLength(0);
    await clock.advance(1);
    expect(sink.ingestCalls.map((c) => c.batch.count)).toEqual([3]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps the interval running while records wait for a free slot', async () => {
    const { buffer, sink, clock } = setup({ flushIntervalMs: 200 });
    appendIds(buffer, [0, 1, 2]);
    await clock.advance(200);
    appendIds(buffer, [3, 4]);
    await clock.advance(200); // no free slot: the two stay buffered, the timer re-arms
    expect(sink.ingestCalls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(1);
    sink.ingestCalls[0]!.resolve();
    await drain();
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 3]);
  });

  it('flush() hands batches to the sink synchronously and resolves once they are ingested', async () => {
    const { buffer, sink } = setup({ maxRecords: 20 });
    appendIds(buffer, range(0, 12));
    let flushed = false;
    void buffer.flush().then(() => {
      flushed = true;
    });
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0]); // maxInFlight 1
    for (const expectedNext of [5, 10]) {
      sink.ingestCalls.at(-1)!.resolve();
      await drain();
      expect(flushed).toBe(false);
      expect(sink.ingestCalls.at(-1)!.batch.firstSeq).toBe(expectedNext);
    }
    sink.ingestCalls.at(-1)!.resolve();
    await drain();
    expect(flushed).toBe(true);
    expect(buffer.stats()).toMatchObject({ ingested: 12, depth: 0, flushes: 3 });
  });

  it('flush() waits only for records appended before it', async () => {
    const { buffer, sink } = setup();
    await expect(buffer.flush()).resolves.toBeUndefined(); // nothing buffered
    appendIds(buffer, [0, 1, 2]);
    let flushed = false;
    void buffer.flush().then(() => {
      flushed = true;
    });
    appendIds(buffer, [3, 4, 5]);
    sink.ingestCalls[0]!.resolve();
    await drain();
    expect(flushed).toBe(true);
    expect(buffer.stats().ingested).toBe(3);
  });

  it('hands at most maxInFlight batches to the sink; the rest stays buffered', async () => {
    const { buffer, sink } = setup({ maxRecords: 100, maxInFlight: 2 });
    buffer.append(range(0, 20).map((id) => ({ id })));
    await drain();
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 5]);
    expect(buffer.stats()).toMatchObject({ inFlight: 2, depth: 10 });
    sink.ingestCalls[0]!.resolve();
    await drain();
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 5, 10]);
    expect(buffer.stats()).toMatchObject({ inFlight: 2, depth: 5, ingested: 5 });
  });
});

describe('AppendBuffer overflow: drop-oldest', () => {
  it('keeps the newest maxRecords of 25 appends against a stalled sink and drops exactly 15', async () => {
    const ctx = setup({ policy: 'drop-oldest' });
    const results = appendIds(ctx.buffer, range(0, 25));
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(ctx.buffer.stats()).toMatchObject({ appended: 25, depth: 10, dropped: { 'drop-oldest': 15, 'drop-newest': 0 } });
    await drain();
    expect(ctx.sink.ingestCalls[0]!.records.map((r) => r.id)).toEqual(range(15, 20));
    await closeSettling(ctx);
    expect(ctx.sink.ingestedIds()).toEqual(range(15, 25));
    expect(ctx.buffer.stats()).toMatchObject({ ingested: 10, dropped: { 'drop-oldest': 15 } });
    expectBalanced(ctx.buffer.stats());
  });

  it('never evicts batches in flight', async () => {
    const ctx = setup({ policy: 'drop-oldest' });
    appendIds(ctx.buffer, range(0, 5));
    await drain(); // 0..4 in flight
    appendIds(ctx.buffer, range(5, 25));
    expect(ctx.buffer.stats()).toMatchObject({ depth: 10, inFlight: 1, dropped: { 'drop-oldest': 10 } });
    await closeSettling(ctx);
    expect(ctx.sink.ingestedIds()).toEqual([...range(0, 5), ...range(15, 25)]);
    expectBalanced(ctx.buffer.stats());
  });

  it('keeps the newest records of an array larger than the buffer', async () => {
    const ctx = setup({ policy: 'drop-oldest' });
    appendIds(ctx.buffer, [0, 1, 2]);
    ctx.buffer.append(range(3, 28).map((id) => ({ id })));
    expect(ctx.buffer.stats()).toMatchObject({ depth: 10, dropped: { 'drop-oldest': 18 } });
    await closeSettling(ctx);
    expect(ctx.sink.ingestedIds()).toEqual(range(18, 28));
    expectBalanced(ctx.buffer.stats());
  });

  it('evicts by bytes when maxBytes is the tighter bound', async () => {
    const ctx = setup({ policy: 'drop-oldest', maxBytes: 100, flushBytes: 100, flushRecords: 10 });
    ctx.buffer.append([sized(0, 30), sized(1, 30), sized(2, 30)]);
    ctx.buffer.append(sized(3, 30)); // 120 > 100: record 0 goes
    expect(ctx.buffer.stats()).toMatchObject({ depth: 3, bytes: 90, dropped: { 'drop-oldest': 1 } });
    await closeSettling(ctx);
    expect(ctx.sink.ingestedIds()).toEqual([1, 2, 3]);
    expectBalanced(ctx.buffer.stats());
  });
});

describe('AppendBuffer overflow: drop-newest', () => {
  it('keeps the first maxRecords of 25 appends and refuses exactly 15; drops show as sequence gaps', async () => {
    const ctx = setup({ policy: 'drop-newest' });
    appendIds(ctx.buffer, range(0, 25));
    expect(ctx.buffer.stats()).toMatchObject({ appended: 25, depth: 10, dropped: { 'drop-newest': 15, 'drop-oldest': 0 } });
    await drain();
    ctx.sink.ingestCalls[0]!.resolve();
    await drain();
    ctx.sink.ingestCalls[1]!.resolve();
    await drain();
    expect(ctx.sink.ingestedIds()).toEqual(range(0, 10));
    ctx.buffer.append({ id: 25 });
    void ctx.buffer.flush();
    expect(ctx.sink.ingestCalls[2]!.batch).toMatchObject({ firstSeq: 25, count: 1 });
    await closeSettling(ctx);
    expect(ctx.buffer.stats()).toMatchObject({ appended: 26, ingested: 11, dropped: { 'drop-newest': 15 } });
    expectBalanced(ctx.buffer.stats());
  });

  it('buffers the part of an array that fits and refuses the rest', async () => {
    const ctx = setup({ policy: 'drop-newest' });
    ctx.buffer.append(range(0, 7).map((id) => ({ id })));
    ctx.buffer.append(range(7, 13).map((id) => ({ id })));
    expect(ctx.buffer.stats()).toMatchObject({ depth: 10, dropped: { 'drop-newest': 3 } });
    await closeSettling(ctx);
    expect(ctx.sink.ingestedIds()).toEqual(range(0, 10));
    expectBalanced(ctx.buffer.stats());
  });
});

describe('AppendBuffer overflow: block', () => {
  it('returns a Promise only when full, admits waiters FIFO as batches are cut, and measures the wait', async () => {
    const ctx = setup({ policy: 'block' });
    const { buffer, sink, clock } = ctx;
    const results = appendIds(buffer, range(0, 25));
    expect(results.slice(0, 10).every((r) => r === undefined)).toBe(true);
    expect(results.slice(10).every((r) => r instanceof Promise)).toBe(true);
    const admitted: number[] = [];
    results.forEach((r, i) => void r?.then(() => admitted.push(i)));
    expect(buffer.stats()).toMatchObject({ depth: 10, appended: 25 });

    await drain(); // batch 0..4 cut at t=0: room for 10..14
    expect(admitted).toEqual(range(10, 15));
    expect(buffer.stats()).toMatchObject({ depth: 10, inFlight: 1, blockedMs: 0 });

    await clock.advance(50);
    sink.ingestCalls[0]!.resolve();
    await drain(); // batch 5..9 cut at t=50: 15..19 waited 50 ms each
    expect(admitted).toEqual(range(10, 20));
    expect(buffer.stats().blockedMs).toBe(250);

    await clock.advance(150);
    sink.ingestCalls[1]!.resolve();
    await drain(); // t=200: 20..24 waited 200 ms each
    expect(admitted).toEqual(range(10, 25));
    expect(buffer.stats().blockedMs).toBe(1250);

    await closeSettling(ctx);
    expect(sink.ingestedIds()).toEqual(range(0, 25));
    expect(buffer.stats()).toMatchObject({ ingested: 25, dropped: { 'drop-oldest': 0, 'drop-newest': 0, 'ingest-failed': 0 } });
    expectBalanced(buffer.stats());
  });

  it('queues a later append behind a waiting one even when the later one would fit', async () => {
    const ctx = setup({ policy: 'block', maxBytes: 100, flushBytes: 100, flushRecords: 10 });
    const { buffer, sink } = ctx;
    buffer.append([sized(0, 30), sized(1, 30), sized(2, 30)]);
    const big = buffer.append(sized(3, 50));
    const small = buffer.append({ id: 4 }); // 8 bytes would fit beside the 90
    expect(big).toBeInstanceOf(Promise);
    expect(small).toBeInstanceOf(Promise);
    expect(buffer.stats().depth).toBe(3);
    const order: string[] = [];
    void big!.then(() => order.push('big'));
    void small!.then(() => order.push('small'));
    await drain(); // the overflow flushed 0..2, which made room for both, in call order
    expect(sink.ingestCalls.map((c) => c.records.map((r) => r.id))).toEqual([[0, 1, 2]]);
    expect(order).toEqual(['big', 'small']);
    expect(buffer.stats()).toMatchObject({ depth: 2, bytes: 58 });
    await closeSettling(ctx);
    expect(sink.ingestedIds()).toEqual([0, 1, 2, 3, 4]);
  });

  it('admits an array larger than the whole buffer piecewise, never holding more than maxRecords', async () => {
    const ctx = setup({ policy: 'block' });
    const { buffer, sink } = ctx;
    const depths: number[] = [];
    const realIngest = sink.ingest.bind(sink);
    sink.ingest = (batch) => {
      depths.push(buffer.stats().depth);
      return realIngest(batch);
    };
    sink.ingestMode = 'ok';
    const pending = buffer.append(range(0, 23).map((id) => ({ id })));
    expect(pending).toBeInstanceOf(Promise);
    expect(buffer.stats().depth).toBe(10);
    let done = false;
    void pending!.then(() => {
      done = true;
    });
    for (let i = 0; i < 10 && !done; i++) await drain();
    expect(done).toBe(true);
    expect(Math.max(...depths)).toBeLessThanOrEqual(10);
    await closeSettling(ctx);
    expect(sink.ingestedIds()).toEqual(range(0, 23));
    expectBalanced(buffer.stats());
  });

  it('close() admits and resolves blocked appends, and their records get ingested', async () => {
    const ctx = setup({ policy: 'block' });
    const { buffer, sink, clock } = ctx;
    appendIds(buffer, range(0, 5));
    await drain(); // 0..4 in flight: the one slot is taken
    const results = appendIds(buffer, range(5, 20));
    expect(results.filter((r) => r instanceof Promise)).toHaveLength(5);
    let resolved = 0;
    for (const r of results) void r?.then(() => resolved++);
    await clock.advance(30);
    expect(resolved).toBe(0); // the stalled sink made no room
    void buffer.close();
    await drain();
    expect(resolved).toBe(5);
    expect(buffer.stats().blockedMs).toBe(5 * 30);
    await closeSettling(ctx);
    expect(sink.ingestedIds()).toEqual(range(0, 20));
    expectBalanced(buffer.stats());
  });
});

describe('AppendBuffer overflow: spill', () => {
  it('spills what does not fit, falls back to drop-oldest beyond the spill bound, and counts each outcome', async () => {
    const ctx = setup({ policy: 'spill' });
    const { buffer, sink } = ctx;
    const results = appendIds(buffer, range(0, 25));
    expect(results.every((r) => r === undefined)).toBe(true);
    // 10..17 went to spill at once (MAX_SPILL_IN_FLIGHT calls); 18..24 evicted 0..6
    expect(MAX_SPILL_IN_FLIGHT).toBe(8);
    expect(sink.spillCalls.map((c) => [c.batch.firstSeq, c.batch.count])).toEqual(range(10, 18).map((seq) => [seq, 1]));
    expect(buffer.stats()).toMatchObject({ depth: 10, spilled: 0, dropped: { 'drop-oldest': 7 } });
    sink.spillCalls.slice(0, 6).forEach((c) => c.resolve());
    sink.spillCalls.slice(6).forEach((c) => c.reject());
    await drain();
    expect(buffer.stats()).toMatchObject({ spilled: 6, dropped: { 'spill-failed': 2 } });
    // a batch never spans the gap the spill left
    expect(sink.ingestCalls[0]!.records.map((r) => r.id)).toEqual([7, 8, 9]);
    await closeSettling(ctx);
    expect(sink.ingestCalls.map((c) => c.records.map((r) => r.id))).toEqual([[7, 8, 9], range(18, 23), [23, 24]]);
    expect(sink.spilledIds()).toEqual(range(10, 16));
    expect(buffer.stats()).toMatchObject({ appended: 25, ingested: 10, spilled: 6, dropped: { 'drop-oldest': 7, 'spill-failed': 2, 'drop-newest': 0, 'ingest-failed': 0 } });
    expectBalanced(buffer.stats());
  });

  it('cuts an overflowing array into spill batches of at most flushRecords', async () => {
    const ctx = setup({ policy: 'spill', flushRecords: 4 });
    ctx.buffer.append(range(0, 20).map((id) => ({ id })));
    expect(ctx.sink.spillCalls.map((c) => [c.batch.firstSeq, c.batch.count])).toEqual([
      [10, 4],
      [14, 4],
      [18, 2],
    ]);
    expect(ctx.buffer.stats()).toMatchObject({ depth: 10, dropped: { 'drop-oldest': 0 } });
    await closeSettling(ctx);
    expect(ctx.sink.spilledIds()).toEqual(range(10, 20));
    expect(ctx.sink.ingestedIds()).toEqual(range(0, 10));
    expectBalanced(ctx.buffer.stats());
  });
});

describe('AppendBuffer ingest failures', () => {
  it.each(['drop-oldest', 'drop-newest'] as const)('%s: a failed batch is counted as ingest-failed and not retried', async (policy) => {
    const ctx = setup({ policy, maxRecords: 20, maxInFlight: 2 });
    ctx.sink.ingestMode = 'fail';
    ctx.buffer.append(range(0, 12).map((id) => ({ id })));
    await ctx.buffer.flush();
    expect(ctx.sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 5, 10]);
    expect(ctx.buffer.stats()).toMatchObject({ depth: 0, ingested: 0, dropped: { 'ingest-failed': 12 } });
    await ctx.buffer.close();
    await ctx.clock.advance(60_000);
    expect(ctx.sink.ingestCalls).toHaveLength(3);
    expect(ctx.clock.pendingTimers).toBe(0);
    expectBalanced(ctx.buffer.stats());
  });

  it('counts a sink that throws synchronously as a failed ingest', async () => {
    const buffer = new AppendBuffer({ policy: 'drop-newest' }, {
      ingest: () => {
        throw new Error('worker gone');
      },
      spill: () => Promise.resolve(),
    }, new FakeClock());
    buffer.append([{ id: 0 }, { id: 1 }]);
    await buffer.flush();
    expect(buffer.stats().dropped['ingest-failed']).toBe(2);
  });

  it('block: retries the same batch first, after a doubling backoff, losing nothing', async () => {
    const ctx = setup({ policy: 'block', maxRecords: 20, maxInFlight: 2 });
    const { buffer, sink, clock } = ctx;
    appendIds(buffer, range(0, 5));
    await drain();
    sink.ingestCalls[0]!.reject();
    await drain();
    expect(buffer.stats()).toMatchObject({ depth: 5, inFlight: 0, dropped: { 'ingest-failed': 0 } });
    appendIds(buffer, range(5, 10)); // a full batch, held back by the backoff
    await drain();
    expect(sink.ingestCalls).toHaveLength(1);
    await clock.advance(RETRY_BASE_MS - 1);
    expect(sink.ingestCalls).toHaveLength(1);
    await clock.advance(1);
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 0, 5]);
    expect(sink.ingestCalls[1]!.batch.records).toEqual(sink.ingestCalls[0]!.batch.records);
    expect(sink.ingestCalls[1]!.batch.source).toBe(sink.ingestCalls[0]!.batch.source);

    sink.ingestCalls[1]!.reject(); // second failure in a row: 200 ms
    await clock.advance(2 * RETRY_BASE_MS - 1);
    expect(sink.ingestCalls).toHaveLength(3);
    await clock.advance(1);
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 0, 5, 0]);

    sink.ingestCalls[2]!.resolve();
    sink.ingestCalls[3]!.resolve();
    await drain();
    expect(buffer.stats()).toMatchObject({ ingested: 10, depth: 0, flushes: 2, dropped: { 'ingest-failed': 0 } });

    // a success resets the backoff: the next failure waits the base delay again
    appendIds(buffer, range(10, 15));
    await drain();
    sink.ingestCalls[4]!.reject();
    await clock.advance(RETRY_BASE_MS);
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 0, 5, 0, 10, 10]);
    sink.ingestCalls[5]!.resolve();
    await closeSettling(ctx);
    expectBalanced(buffer.stats());
  });

  it('block: retry batches count toward the bound, so a failing pipeline blocks appenders', async () => {
    const ctx = setup({ policy: 'block', maxInFlight: 2 });
    const { buffer, sink } = ctx;
    appendIds(buffer, range(0, 10));
    await drain(); // both batches in flight, buffer empty
    expect(buffer.append({ id: 10 })).toBeUndefined();
    sink.ingestCalls[0]!.reject();
    sink.ingestCalls[1]!.reject();
    await drain();
    expect(buffer.stats().depth).toBe(11);
    expect(buffer.append({ id: 11 })).toBeInstanceOf(Promise);
    sink.ingestMode = 'ok';
    await closeSettling(ctx);
    expect(sink.ingestedIds().sort((a, b) => a - b)).toEqual(range(0, 12));
    expectBalanced(buffer.stats());
  });

  it('block: after close() a failing batch gets CLOSE_INGEST_ATTEMPTS attempts, then counts as ingest-failed', async () => {
    const ctx = setup({ policy: 'block' });
    ctx.sink.ingestMode = 'fail';
    appendIds(ctx.buffer, [0, 1, 2]);
    await closeSettling(ctx, false);
    expect(ctx.sink.ingestCalls).toHaveLength(CLOSE_INGEST_ATTEMPTS);
    expect(ctx.buffer.stats()).toMatchObject({ ingested: 0, dropped: { 'ingest-failed': 3 } });
    expect(ctx.clock.pendingTimers).toBe(0);
    expectBalanced(ctx.buffer.stats());
  });

  it('spill: retries while open, and hands a batch that fails after close() to sink.spill', async () => {
    const ctx = setup({ policy: 'spill' });
    const { buffer, sink, clock } = ctx;
    appendIds(buffer, [0, 1, 2]);
    void buffer.flush();
    sink.ingestCalls[0]!.reject();
    await clock.advance(RETRY_BASE_MS);
    expect(sink.ingestCalls.map((c) => c.batch.firstSeq)).toEqual([0, 0]);
    expect(sink.spillCalls).toHaveLength(0);
    let closed = false;
    void buffer.close().then(() => {
      closed = true;
    });
    sink.ingestCalls[1]!.reject();
    await drain();
    expect(sink.spillCalls.map((c) => c.records.map((r) => r.id))).toEqual([[0, 1, 2]]);
    expect(closed).toBe(false);
    sink.spillCalls[0]!.resolve();
    await drain();
    expect(closed).toBe(true);
    expect(buffer.stats()).toMatchObject({ spilled: 3, ingested: 0, dropped: { 'ingest-failed': 0, 'spill-failed': 0 } });
    expectBalanced(buffer.stats());
  });
});

describe('AppendBuffer close', () => {
  it('stops the timer, flushes everything and waits for batches in flight', async () => {
    const { buffer, sink, clock } = setup();
    appendIds(buffer, range(0, 7));
    expect(clock.pendingTimers).toBe(1);
    let closed = false;
    const closing = buffer.close();
    void closing.then(() => {
      closed = true;
    });
    expect(buffer.close()).toBe(closing);
    expect(clock.pendingTimers).toBe(0);
    expect(sink.ingestCalls.map((c) => c.batch.count)).toEqual([5]);
    sink.ingestCalls[0]!.resolve();
    await drain();
    expect(sink.ingestCalls.map((c) => c.batch.count)).toEqual([5, 2]);
    expect(closed).toBe(false);
    sink.ingestCalls[1]!.resolve();
    await drain();
    expect(closed).toBe(true);
    expect(buffer.stats()).toMatchObject({ ingested: 7, depth: 0, inFlight: 0 });
    await clock.advance(10_000);
    expect(sink.ingestCalls).toHaveLength(2);
  });

  it.each(['block', 'drop-oldest', 'drop-newest', 'spill'] as const)('%s: append after close() throws store_closed; flush() resolves', async (policy) => {
    const { buffer, sink } = setup({ policy });
    sink.ingestMode = 'ok';
    buffer.append({ id: 0 });
    const closing = buffer.close();
    expect(code(() => buffer.append({ id: 1 }))).toBe('store_closed');
    await closing;
    expect(code(() => buffer.append([{ id: 2 }]))).toBe('store_closed');
    await expect(buffer.flush()).resolves.toBeUndefined();
    expect(buffer.stats()).toMatchObject({ appended: 1, ingested: 1 });
  });
});

describe('flushOnPageHide', () => {
  function fakeWindow(visibilityState: string) {
    const document = Object.assign(new EventTarget(), { visibilityState });
    return Object.assign(new EventTarget(), { document });
  }

  it('flushes on pagehide and on visibilitychange to hidden, until unsubscribed', () => {
    const win = fakeWindow('visible');
    const buffer = { flush: vi.fn(() => Promise.resolve()) };
    const unsubscribe = flushOnPageHide(buffer, win);
    win.dispatchEvent(new Event('pagehide'));
    expect(buffer.flush).toHaveBeenCalledTimes(1);
    win.document.dispatchEvent(new Event('visibilitychange'));
    expect(buffer.flush).toHaveBeenCalledTimes(1); // still visible
    win.document.visibilityState = 'hidden';
    win.document.dispatchEvent(new Event('visibilitychange'));
    expect(buffer.flush).toHaveBeenCalledTimes(2);
    unsubscribe();
    unsubscribe();
    win.dispatchEvent(new Event('pagehide'));
    win.document.dispatchEvent(new Event('visibilitychange'));
    expect(buffer.flush).toHaveBeenCalledTimes(2);
  });

  it('watches visibilitychange on the target itself when it has no document', () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    const buffer = { flush: vi.fn(() => Promise.resolve()) };
    flushOnPageHide(buffer, doc);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(buffer.flush).toHaveBeenCalledTimes(1);
  });

  it('is a no-op where there is nothing to listen to', () => {
    const buffer = { flush: vi.fn(() => Promise.resolve()) };
    expect(flushOnPageHide(buffer, {})).toBeTypeOf('function');
    expect(() => flushOnPageHide(buffer)()).not.toThrow();
    expect(buffer.flush).not.toHaveBeenCalled();
  });

  it('gets buffered records to the sink within the pagehide dispatch', () => {
    const { buffer, sink } = setup();
    const win = fakeWindow('visible');
    flushOnPageHide(buffer, win);
    appendIds(buffer, [0, 1]);
    win.dispatchEvent(new Event('pagehide'));
    expect(sink.ingestCalls.map((c) => c.records.map((r) => r.id))).toEqual([[0, 1]]);
  });
});
