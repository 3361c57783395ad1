import { describe, expect, it } from 'vitest';
import { VectorClock } from '../../src/core/vector-clock.ts';

const t = (nodeId: string, wall: number, logic = 0) => ({ wall, logic, nodeId });

describe('VectorClock', () => {
  it('compares equal, ahead, behind and concurrent', () => {
    const base = new VectorClock([t('a', 5), t('b', 3)]);
    expect(base.compare(new VectorClock([t('b', 3), t('a', 5)]))).toBe('equal');
    expect(base.compare(new VectorClock([t('a', 5), t('b', 2)]))).toBe('ahead');
    expect(base.compare(new VectorClock([t('a', 5)]))).toBe('ahead');
    expect(base.compare(new VectorClock([t('a', 5), t('b', 3, 1)]))).toBe('behind');
    expect(base.compare(new VectorClock([t('a', 5), t('b', 3), t('c', 1)]))).toBe('behind');
    expect(base.compare(new VectorClock([t('a', 6), t('b', 2)]))).toBe('concurrent');
    expect(new VectorClock().compare(new VectorClock())).toBe('equal');
  });

  it('lists authors to pull and to push', () => {
    const local = new VectorClock([t('a', 5), t('b', 3), t('d', 1)]);
    const remote = new VectorClock([t('a', 4), t('b', 9), t('c', 2), t('d', 1)]);
    expect(local.authorsToPull(remote)).toEqual(['b', 'c']);
    expect(local.authorsToPush(remote)).toEqual(['a']);
  });

  it('only moves heads forward', () => {
    const clock = new VectorClock();
    clock.observe(t('a', 5));
    clock.observe(t('a', 4));
    clock.observe(t('a', 5, 2));
    expect(clock.get('a')).toEqual(t('a', 5, 2));
    expect(clock.get('zz')).toEqual({ wall: 0, logic: 0, nodeId: 'zz' });
    expect(VectorClock.fromRecord(clock.toRecord()).compare(clock)).toBe('equal');
  });
});
