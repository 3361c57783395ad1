import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';
import { bucketOf, writerOfBucket } from '../../src/pipeline/sinks/stable-hash.ts';
import { ManualClock, openHarness, record, settleTurns, until } from './sink-harness.ts';

const CREDIT = 10;

function ownerOf(key: string, writers: number): number {
  return writerOfBucket(bucketOf(key, 128), 128, writers);
}

describe('T9 slow writer', () => {
  it('makes push wait on the stalled writer only, within its credit, and loses nothing on release', async () => {
    const clock = new ManualClock();
    const { runner, writers } = await openHarness({ parallelism: 4 }, { maxQueuedRecords: CREDIT, now: clock.now });
    const release = writers[0]!.stallWrites();

    const first = Array.from({ length: 200 }, (_, i) => record(`first-${i}`));
    const second = Array.from({ length: 200 }, (_, i) => record(`second-${i}`));
    const expected = (batch: SinkRecord[], w: number) => batch.filter((r) => ownerOf(r.key, 4) === w).length;
    expect(expected(first, 0)).toBeGreaterThan(CREDIT); // writer 0 cannot take its share at once

    let firstDone = false;
    let secondDone = false;
    const p1 = runner.push(first).then(() => (firstDone = true));
    const p2 = runner.push(second).then(() => (secondDone = true));

    // The other writers receive their whole share of both pushes while writer 0 holds one batch.
    await until(() => [1, 2, 3].every((w) => writers[w]!.records().length === expected(first, w) + expected(second, w)));
    await settleTurns();
    clock.advance(25);
    expect(firstDone).toBe(false);
    expect(secondDone).toBe(false);
    const stalled = runner.metrics().writers[0]!;
    expect(stalled.queueDepth).toBe(CREDIT);
    expect(stalled.credits).toBe(0);
    expect(stalled.maxQueueDepth).toBeLessThanOrEqual(CREDIT);
    expect(writers[0]!.records().length).toBe(CREDIT); // received one batch, stuck inside write()
    expect(stalled.blockedMs).toBe(25);
    expect(stalled.busyMs).toBe(25); // inside write() the whole time
    expect(runner.metrics().writers[1]).toMatchObject({ busyMs: 0, idleMs: 25, blockedMs: 0 });

    release();
    await Promise.all([p1, p2]);
    await runner.close();

    const m = runner.metrics();
    expect(m.writers[0]!.maxQueueDepth).toBeLessThanOrEqual(CREDIT);
    expect(m.writers[0]!.blockedMs).toBeGreaterThan(0);
    expect([1, 2, 3].map((w) => m.writers[w]!.blockedMs)).toEqual([0, 0, 0]);
    const delivered = writers.flatMap((w) => w.records());
    expect(delivered.length).toBe(400);
    expect(new Set(delivered.map((r) => r.hash)).size).toBe(400);
    expect(m.writers.map((w) => w.records).reduce((a, b) => a + b)).toBe(400);
    // Per writer, every batch respected the credit bound.
    for (const w of writers) for (const e of w.log) if (e.type === 'data') expect(e.records.length).toBeLessThanOrEqual(CREDIT);
  });
});

describe('T10 hot key', () => {
  it('completes within bounded queues, raises skew and reports the hot key first', async () => {
    const total = 20_000;
    const credit = 100;
    const { runner, writers } = await openHarness({ parallelism: 4 }, { maxQueuedRecords: credit });
    writers.forEach((w, i) => (w.hops = i));
    const records: SinkRecord[] = [];
    for (let i = 0; i < total; i++) records.push(record(i % 10 === 0 ? `cold-${i}` : 'hot'));
    for (let i = 0; i < total; i += 1000) await runner.push(records.slice(i, i + 1000));
    await runner.close();

    const m = runner.metrics();
    expect(m.writers.map((w) => w.records).reduce((a, b) => a + b)).toBe(total);
    for (const w of m.writers) expect(w.maxQueueDepth).toBeLessThanOrEqual(credit);
    expect(m.skew!).toBeGreaterThan(5);
    expect(m.topKeys[0]).toMatchObject({ key: 'hot' });
    expect(m.topKeys[0]!.count).toBeGreaterThanOrEqual(18_000);
    expect(m.topKeys.length).toBeLessThanOrEqual(10);
    const hotWriter = ownerOf('hot', 4);
    const hot = writers[hotWriter]!.records().filter((r) => r.key === 'hot');
    expect(hot.length).toBe(18_000);
    expect(hot.every((r, i) => i === 0 || r.hlc.logic > hot[i - 1]!.hlc.logic)).toBe(true);
    console.log(`T10: skew=${m.skew!.toFixed(1)} top=${JSON.stringify(m.topKeys.slice(0, 3))} writers=${JSON.stringify(m.writers.map((w) => w.records))}`);
  });
});
