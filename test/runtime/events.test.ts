import { afterEach, describe, expect, it, vi } from 'vitest';
import { Harness } from '../sync/harness.ts';

describe('node events', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('publishes metrics while someone listens, and worker crashes as they happen', async () => {
    const node = await h.node('n', { datasets: { primary: {}, notes: { worker: true } }, metricsIntervalMs: 20 });
    const seen: number[] = [];
    const off = node.on('metrics', (m) => seen.push(m.primary!.oplogEntries));
    await node.collection('todos').put('a', 1);
    await vi.waitFor(() => expect(seen).toContain(1));
    off();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(seen.length).toBe(count); // no listener, no polling

    const crashes: string[] = [];
    node.on('worker-crash', (e) => crashes.push(e.datasetId));
    await node.workerOf('notes')!.crashForTest();
    await vi.waitFor(() => expect(crashes).toEqual(['notes']));
    expect(() => node.on('nope' as never, () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
