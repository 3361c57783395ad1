import { compareHlc, ZERO_HLC, type Hlc } from '../core/hlc.ts';

/** The largest logic counter an HLC may carry (mirrors the bound `assertHlc` enforces). */
export const MAX_LOGIC = 0x7fff_ffff;

/**
 * The node id used in cutoffs that must sort after every real entry of the same (wall, logic).
 * '~' is the highest character a node id may use; ids longer than one character that start with
 * '~' still sort after it, which only ever keeps an entry, never prunes one too many.
 */
export const CUTOFF_NODE_ID = '~';

/** A cutoff covering every entry whose wall is at or before `wall`. A negative wall covers nothing. */
export function endOfWall(wall: number): Hlc {
  if (wall < 0) return ZERO_HLC;
  return { wall, logic: MAX_LOGIC, nodeId: CUTOFF_NODE_ID };
}

/**
 * A cutoff that covers everything strictly before `t`'s (wall, logic) and nothing at or after it.
 * Entries of other authors that share `t`'s exact (wall, logic) are kept as well: conservative by
 * one logical tick, which keeps the cutoff expressible without a "predecessor" of a node id.
 */
export function justBefore(t: Hlc): Hlc {
  if (t.logic > 0) return { wall: t.wall, logic: t.logic - 1, nodeId: CUTOFF_NODE_ID };
  return endOfWall(t.wall - 1);
}

export function minHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) <= 0 ? a : b;
}
