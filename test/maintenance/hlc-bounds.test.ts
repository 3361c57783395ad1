import { describe, expect, it } from 'vitest';
import { compareHlc, ZERO_HLC, type Hlc } from '../../src/core/hlc.ts';
import { endOfWall, justBefore, MAX_LOGIC, minHlc } from '../../src/sync/hlc-bounds.ts';

const t = (wall: number, logic: number, nodeId: string): Hlc => ({ wall, logic, nodeId });

describe('cutoff bounds', () => {
  it('endOfWall covers every entry of that wall and none of the next', () => {
    const cut = endOfWall(1_000);
    expect(cut).toEqual(t(1_000, MAX_LOGIC, '~'));
    expect(compareHlc(t(1_000, 123_456, 'zz'), cut)).toBeLessThan(0);
    expect(compareHlc(t(1_001, 0, 'A'), cut)).toBeGreaterThan(0);
    expect(endOfWall(-5)).toEqual(ZERO_HLC);
  });

  it('justBefore excludes the entry itself and anything sharing its (wall, logic), keeps everything earlier', () => {
    const entry = t(1_000, 3, 'mallory');
    const cut = justBefore(entry);
    expect(compareHlc(entry, cut)).toBeGreaterThan(0);
    expect(compareHlc(t(1_000, 3, 'aaron'), cut)).toBeGreaterThan(0);
    expect(compareHlc(t(1_000, 2, 'zz'), cut)).toBeLessThan(0);
    expect(justBefore(t(1_000, 0, 'x'))).toEqual(endOfWall(999));
    expect(justBefore(t(0, 0, 'x'))).toEqual(ZERO_HLC);
  });

  it('minHlc picks the earlier', () => {
    expect(minHlc(t(2, 0, 'a'), t(1, 9, 'z'))).toEqual(t(1, 9, 'z'));
    expect(minHlc(t(1, 0, 'a'), t(1, 0, 'b'))).toEqual(t(1, 0, 'a'));
  });
});
