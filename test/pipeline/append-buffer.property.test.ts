import fc from 'fast-check';
import { batchByteLength, recordSize } from '../../src/pipeline/record-batch.ts';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/core/errors.ts';
import { AppendBuffer, type AppendBufferOptions, type OverflowPolicy } from '../../src/pipeline/append-buffer.ts';
import { drain, FakeClock, TestSink, totalDropped, type SinkMode } from './append-harness.ts';

type Command =
  | { kind: 'append'; pads: string[]; asArray: boolean }
  | { kind: 'invalid'; pads: string[] }
  | { kind: 'flush' }
  | { kind: 'advance'; ms: number }
  | { kind: 'drain' }
  | { kind: 'settle'; target: 'ingest' | 'spill'; pick: number; ok: boolean }
  | { kind: 'mode'; ingest: SinkMode; spill: SinkMode };

const pad = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '"'), fc.nat({ max: 20 }))
  .map(([unit, n]) => unit.repeat(n));

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), pads: fc.array(pad, { minLength: 1, maxLength: 12, size: 'max' }), asArray: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid' as const), pads: fc.array(pad, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 600 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'drain' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('settle' as const), target: fc.constantFrom('ingest' as const, 'spill' as const), pick: fc.nat(), ok: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mode' as const), ingest: fc.constantFrom<SinkMode>('manual', 'ok', 'fail'), spill: fc.constantFrom<SinkMode>('manual', 'ok', 'fail') }) },
);

const options: fc.Arbitrary<Required<Omit<AppendBufferOptions, 'policy'>>> = fc
  .record({
    maxRecords: fc.integer({ min: 1, max: 20 }),
    flushRecordsShare: fc.double({ min: 0, max: 1, noNaN: true }),
    flushBytes: fc.integer({ min: 128, max: 400 }),
    extraBytes: fc.integer({ min: 0, max: 1500 }),
    flushIntervalMs: fc.integer({ min: 50, max: 500 }),
    maxInFlight: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ maxRecords, flushRecordsShare, flushBytes, extraBytes, flushIntervalMs, maxInFlight }) => ({
    maxRecords,
    flushRecords: Math.max(1, Math.ceil(maxRecords * flushRecordsShare)),
    flushBytes,
    maxBytes: flushBytes + extraBytes,
    flushIntervalMs,
    maxInFlight,
  }));

async function run(policy: OverflowPolicy, opts: Required<Omit<AppendBufferOptions, 'policy'>>, commands: Command[], finalFailures: boolean[]): Promise<void> {
  const clock = new FakeClock();
  const sink = new TestSink();
  const buffer = new AppendBuffer({ ...opts, policy }, sink, clock);
  let nextId = 0;
  const blocked: Promise<void>[] = [];
  const flushes: Promise<void>[] = [];
  let settledBlocked = 0;
  let settledFlushes = 0;

  for (const cmd of commands) {
    switch (cmd.kind) {
      case 'append': {
        const records = cmd.pads.map((p, i) => ({ id: nextId + i, p }));
        const result = cmd.asArray ? buffer.append(records) : buffer.append(records[0]);
        nextId += cmd.asArray ? records.length : 1;
        if (result !== undefined) {
          expect(policy).toBe('block');
          blocked.push(result.then(() => void settledBlocked++));
        }
        break;
      }
      case 'invalid': {
        const before = buffer.stats();
        const records: unknown[] = cmd.pads.map((p, i) => ({ id: nextId + i, p }));
        records.splice(records.length >> 1, 0, { id: -1, bad: Number.NaN });
        expect(() => buffer.append(records)).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
        expect(buffer.stats()).toEqual(before);
        break;
      }
      case 'flush':
        flushes.push(buffer.flush().then(() => void settledFlushes++));
        break;
      case 'advance':
        await clock.advance(cmd.ms);
        break;
      case 'drain':
        await drain();
        break;
      case 'settle': {
        const pending = cmd.target === 'ingest' ? sink.pendingIngests() : sink.pendingSpills();
        const call = pending[cmd.pick % Math.max(1, pending.length)];
        if (call !== undefined) (cmd.ok ? call.resolve() : call.reject());
        break;
      }
      case 'mode':
        sink.ingestMode = cmd.ingest;
        sink.spillMode = cmd.spill;
        break;
    }
    const mid = buffer.stats();
    // Nothing is double counted on the way: settled records never exceed what was appended.
    expect(mid.ingested + mid.spilled + totalDropped(mid.dropped) + mid.depth).toBeLessThanOrEqual(mid.appended);
    // The bound holds; only batches back from a failed ingest (block, spill) may exceed it.
    const retrySlack = policy === 'block' || policy === 'spill' ? opts.maxInFlight : 0;
    expect(mid.depth).toBeLessThanOrEqual(opts.maxRecords + retrySlack * opts.flushRecords);
    expect(mid.bytes).toBeLessThanOrEqual(opts.maxBytes + retrySlack * opts.flushBytes);
  }

  // Close while the sink keeps failing now and then; close() must still settle everything.
  let closed = false;
  const closing = buffer.close().then(() => {
    closed = true;
  });
  let k = 0;
  for (let round = 0; round < 2_000 && !closed; round++) {
    for (const call of [...sink.pendingIngests(), ...sink.pendingSpills()]) {
      const fail = round < 50 && finalFailures.length > 0 && finalFailures[k++ % finalFailures.length]!;
      if (fail) call.reject();
      else call.resolve();
    }
    await clock.advance(5_000);
  }
  expect(closed).toBe(true);
  await closing;
  await Promise.all([...blocked, ...flushes]);
  expect(settledBlocked).toBe(blocked.length);
  expect(settledFlushes).toBe(flushes.length);

  const stats = buffer.stats();
  expect(stats.appended).toBe(nextId);
  expect(stats.appended).toBe(stats.ingested + stats.spilled + totalDropped(stats.dropped));
  expect(stats).toMatchObject({ depth: 0, bytes: 0, inFlight: 0 });

  const ingestedIds = sink.ingestedIds();
  const spilledIds = sink.spilledIds();
  expect(stats.ingested).toBe(ingestedIds.length);
  expect(stats.spilled).toBe(spilledIds.length);
  const delivered = [...ingestedIds, ...spilledIds];
  expect(new Set(delivered).size).toBe(delivered.length); // nothing delivered twice
  for (const call of [...sink.ingestCalls, ...sink.spillCalls]) {
    // firstSeq numbers records in append order, without gaps inside a batch
    expect(call.records.map((r) => r.id)).toEqual(call.records.map((_, i) => call.batch.firstSeq + i));
    expect(call.batch.count).toBe(call.records.length);
    expect(call.batch.count).toBeLessThanOrEqual(opts.flushRecords);
    // the byte bound holds for the size estimate the buffer counts
    expect(batchByteLength(call.batch.records.reduce((sum: number, r) => sum + recordSize(r), 0), call.batch.count)).toBeLessThanOrEqual(opts.flushBytes);
  }
  if (policy !== 'spill') expect(sink.spillCalls).toHaveLength(0);
  if (policy !== 'drop-newest') expect(stats.dropped['drop-newest']).toBe(0);
  if (policy === 'block' || policy === 'drop-newest') expect(stats.dropped['drop-oldest']).toBe(0);
  if (policy !== 'spill') expect(stats.dropped['spill-failed']).toBe(0);
  if (policy === 'drop-oldest' || policy === 'drop-newest') {
    // no retries: each batch went to ingest exactly once
    const seqs = sink.ingestCalls.map((c) => c.batch.firstSeq);
    expect(new Set(seqs).size).toBe(seqs.length);
  }
}

describe('AppendBuffer accounting (property)', () => {
  it.each(['drop-oldest', 'drop-newest', 'block', 'spill'] as const)(
    '%s: appended === ingested + spilled + dropped after close, for random appends, flushes and slow or failing sinks',
    async (policy) => {
      await fc.assert(
        fc.asyncProperty(options, fc.array(command, { minLength: 5, maxLength: 80, size: 'max' }), fc.array(fc.boolean(), { maxLength: 6 }), (opts, commands, finalFailures) =>
          run(policy, opts, commands, finalFailures),
        ),
        { numRuns: 200 },
      );
    },
    120_000,
  );

  it('an invalid record anywhere in an array throws before anything is counted', () => {
    fc.assert(
      fc.property(fc.array(pad, { maxLength: 8 }), fc.nat(), fc.constantFrom<unknown>(Number.NaN, undefined, () => 1, new Date(0), 1n), (pads, at, bad) => {
        const buffer = new AppendBuffer({}, new TestSink(), new FakeClock());
        const records: unknown[] = pads.map((p, id) => ({ id, p }));
        const index = at % (records.length + 1);
        records.splice(index, 0, { id: 99, nested: [{ bad }] });
        try {
          buffer.append(records);
          return false;
        } catch (error) {
          expect(isSluiceError(error, 'invalid_payload') && error.details).toEqual({ index, path: '$.nested[0].bad' });
        }
        expect(buffer.stats()).toMatchObject({ appended: 0, depth: 0, bytes: 0 });
        return true;
      }),
    );
  });
});
