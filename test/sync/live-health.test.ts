import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { unhealthy, type DatasetHealth } from '../../src/sync/health.ts';
import { LagTracker } from '../../src/sync/lag-tracker.ts';
import { DROP_WINDOW_MS, DropWatch, UNACKED_DEGRADED_MS, UNACKED_UNHEALTHY_MS, withDrops, withUnackedAge } from '../../src/sync/live-health.ts';
import { Harness } from './harness.ts';

const healthy: DatasetHealth = { ...unhealthy('logs', 'x'), status: 'healthy', reason: '1 active tracked peer within 30000 ms' };

describe('live health', () => {
  it('degrades on a write unacknowledged past the threshold, and is unhealthy past the critical one', () => {
    expect(withUnackedAge(healthy, null).status).toBe('healthy');
    expect(withUnackedAge(healthy, UNACKED_DEGRADED_MS).status).toBe('healthy');
    expect(withUnackedAge(healthy, UNACKED_DEGRADED_MS + 1)).toMatchObject({ status: 'degraded', reason: expect.stringContaining('waited') });
    expect(withUnackedAge(healthy, UNACKED_UNHEALTHY_MS + 1).status).toBe('unhealthy');
    // never better than it was
    expect(withUnackedAge({ ...healthy, status: 'unhealthy', reason: 'storage probe failed' }, UNACKED_DEGRADED_MS + 1)).toMatchObject({ status: 'unhealthy', reason: expect.stringContaining('storage probe failed') });
  });

  it('reports the age of the oldest unacknowledged write', () => {
    let now = 1_000;
    const lag = new LagTracker('me', () => now);
    expect(lag.snapshot().unackedMs).toBeNull();
    lag.wrote([{ wall: 1, logic: 0, nodeId: 'me' }, { wall: 2, logic: 0, nodeId: 'me' }]);
    now = 7_000;
    expect(lag.snapshot().unackedMs).toBe(6_000);
    lag.acked([{ nodeId: 'me', hlc: { wall: 2, logic: 0, nodeId: 'me' }, hash: 'h' }]);
    expect(lag.snapshot().unackedMs).toBeNull();
  });

  it('counts drops while they happen and forgets them a window after the last', () => {
    const watch = new DropWatch();
    expect(watch.observe({ shed: 0, failed: 0 }, 0)).toEqual({ shed: 0, failed: 0 });
    expect(watch.observe({ shed: 10, failed: 0 }, 1_000)).toEqual({ shed: 10, failed: 0 });
    expect(watch.observe({ shed: 15, failed: 2 }, 2_000)).toEqual({ shed: 15, failed: 2 });
    expect(watch.observe({ shed: 15, failed: 2 }, 2_000 + DROP_WINDOW_MS)).toEqual({ shed: 15, failed: 2 });
    expect(watch.observe({ shed: 15, failed: 2 }, 2_001 + DROP_WINDOW_MS)).toEqual({ shed: 0, failed: 0 });
    expect(withDrops(healthy, { shed: 3, failed: 0 })).toMatchObject({ status: 'degraded', reason: expect.stringContaining('dropped 3 records') });
    expect(withDrops(healthy, { shed: 3, failed: 1 }).status).toBe('unhealthy');
  });

  describe('in node.metrics()', () => {
    const h = new Harness();
    afterEach(() => h.close());

    it('an append dataset that drops records is degraded while it drops, with the count in the reason', async () => {
      const node = await h.node('n', { storage: memoryStorage(), datasets: { primary: {}, logs: { kind: 'append', worker: false, buffer: { policy: 'drop-newest', maxRecords: 100, flushRecords: 50 } } } });
      expect((await node.metrics()).logs!.health.status).toBe('healthy');
      node.dataset('logs').append(Array.from({ length: 150 }, (_, n) => ({ n })));
      const logs = (await node.metrics()).logs!;
      expect(logs.buffer!.dropped['drop-newest']).toBe(50);
      expect(logs.health).toMatchObject({ status: 'degraded', reason: expect.stringContaining('dropped 50 records') });
      expect((await node.metrics()).primary!.health.status).toBe('healthy');
    });
  });
});
