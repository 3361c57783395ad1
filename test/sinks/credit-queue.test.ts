import { describe, expect, it } from 'vitest';
import { CreditQueue } from '../../src/pipeline/sinks/credit-queue.ts';
import { ManualClock } from './sink-harness.ts';

describe('CreditQueue', () => {
  it('admits within credit, queues the rest FIFO even when a later offer would fit', async () => {
    const clock = new ManualClock();
    const q = new CreditQueue<string>(5, clock.now);
    const admitted: string[] = [];
    const offer = (item: string, cost: number) => q.offer(item, cost).then(() => admitted.push(item));
    await offer('a', 3);
    const big = offer('b', 4); // does not fit (3 + 4 > 5)
    const small = offer('c', 1); // would fit, but waits behind b
    const control = offer('ctl', 0); // costs nothing, still waits its turn
    await Promise.resolve();
    expect(admitted).toEqual(['a']);
    expect([q.depth, q.credits]).toEqual([3, 2]);

    clock.advance(4);
    expect((await q.take())?.item).toBe('a');
    q.release(3);
    await Promise.all([big, small, control]);
    expect(admitted).toEqual(['a', 'b', 'c', 'ctl']);
    expect([q.depth, q.maxDepth, q.blockedMs]).toEqual([5, 5, 4]);
    expect((await q.take())?.item).toBe('b');
  });

  it('rejects waiting and later offers after fail, and ends take', async () => {
    const q = new CreditQueue<number>(1, () => 0);
    await q.offer(1, 1);
    const waiting = q.offer(2, 1);
    const dropped = q.fail(new Error('boom'));
    expect(dropped.map((e) => e.item)).toEqual([1]);
    await expect(waiting).rejects.toThrow('boom');
    await expect(q.offer(3, 1)).rejects.toThrow('boom');
    expect(await q.take()).toBeUndefined();
  });

  it('ends take once closed and drained', async () => {
    const q = new CreditQueue<number>(2, () => 0);
    const next = q.take();
    await q.offer(7, 1);
    expect((await next)?.item).toBe(7);
    q.release(1);
    const end = q.take();
    q.close();
    expect(await end).toBeUndefined();
  });
});
