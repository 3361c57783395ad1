import { describe, expect, it } from 'vitest';
import type { ControlEvent, SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';
import { openHarness, record, settleTurns, until } from './sink-harness.ts';

// T7: a control event reaches every writer after the data pushed before it and before any data
// pushed after it, even while writers run at different speeds; it never goes through routing.

const schema: ControlEvent = { type: 'schema', collection: 'notes', fields: ['title', 'body', 'tags'] };

function batch(prefix: string, count: number): SinkRecord[] {
  return Array.from({ length: count }, (_, i) => record(`${prefix}-${i}`));
}

describe('T7 control events', () => {
  it('reach every writer after earlier rows and before later rows', async () => {
    const { runner, writers } = await openHarness({ parallelism: 4 }, { maxQueuedRecords: 8 });
    writers[1]!.hops = 3;
    const releaseSlow = writers[2]!.stallWrites();

    const before = batch('before', 60);
    const after = batch('after', 60);
    const pushBefore = runner.push(before);
    const control = runner.control(schema);
    const pushAfter = runner.push(after);

    // The fast writers get their "after" rows while writer 2 still holds its first batch.
    await until(() => writers[0]!.records().some((r) => r.key.startsWith('after')));
    expect(writers[2]!.log.some((e) => e.type === 'control')).toBe(false);
    releaseSlow();
    await Promise.all([pushBefore, control, pushAfter]);
    await runner.close();

    const beforeKeys = new Set(before.map((r) => r.key));
    for (const writer of writers) {
      const at = writer.log.findIndex((e) => e.type === 'control');
      expect(writer.log.filter((e) => e.type === 'control')).toEqual([{ type: 'control', event: schema }]);
      const dataBefore = writer.log.slice(0, at).flatMap((e) => (e.type === 'data' ? e.records : []));
      const dataAfter = writer.log.slice(at + 1).flatMap((e) => (e.type === 'data' ? e.records : []));
      expect(dataBefore.every((r) => beforeKeys.has(r.key))).toBe(true);
      expect(dataAfter.every((r) => !beforeKeys.has(r.key))).toBe(true);
      expect(dataBefore.length + dataAfter.length).toBe(writer.records().length);
    }
    expect(writers.reduce((n, w) => n + w.records().length, 0)).toBe(120);
  });

  it('is not disturbed by a record that cannot be routed, and never dead-letters itself', async () => {
    const { runner, writers } = await openHarness({ parallelism: 3 });
    const broken = { ...record('x') } as Record<string, unknown>;
    delete broken.key;
    await runner.push([record('a'), broken as unknown as SinkRecord, record('b')]);
    await runner.control({ type: 'flush' });
    await runner.control({ type: 'config', settings: { batchSize: 100 } });
    await runner.close();

    for (const writer of writers) {
      expect(writer.log.filter((e) => e.type === 'control').map((e) => (e as { event: ControlEvent }).event.type)).toEqual(['flush', 'config']);
    }
    const m = runner.metrics();
    expect(m.deadLettered).toBe(1);
    expect(m.deadLetters[0]).toMatchObject({ field: 'documentId', reason: expect.stringMatching(/no key/) });
    expect(writers.flatMap((w) => w.records()).map((r) => r.key).sort()).toEqual(['a', 'b']);
  });

  it('gives each writer its own copy of the event', async () => {
    const { runner, writers } = await openHarness({ parallelism: 2 });
    const event: ControlEvent = { type: 'config', settings: { limit: 1 } };
    await runner.control(event);
    await settleTurns(1);
    const seen = writers.map((w) => (w.log[0] as { event: ControlEvent }).event);
    expect(seen[0]).toEqual(event);
    expect(seen[0]).not.toBe(seen[1]);
    await runner.close();
  });

  it('rejects unknown control events', async () => {
    const { runner } = await openHarness();
    await expect(runner.control({ type: 'nope' } as never)).rejects.toMatchObject({ code: 'invalid_payload' });
    await runner.close();
  });
});
