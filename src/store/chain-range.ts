import { compareStamp, type Hlc } from '../core/hlc.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { OplogStore } from './oplog-store.ts';

/** Entries read per step while walking a range. */
const PAGE = 1_000;

/**
 * The author's entries after `startHash` up to and including `endHash`, ascending: what a peer asks
 * for to fill a gap in a chain. `startHash` may be '' (the chain's start) or the author's prune
 * boundary. Undefined when either end is unknown or pruned away: the caller needs a snapshot.
 *
 * Planned here once, for every adapter, from the ports' reads: the end entry names the author, the
 * start entry or the boundary the lower bound, and the author's entries are walked up to the end.
 * The reads are separate, so a prune may remove entries between them: a walk that does not arrive
 * at `endHash` then says "undefined" too, never returns a range with a hole.
 */
export async function chainRange(oplog: OplogStore, startHash: string, endHash: string): Promise<OplogEntry[] | undefined> {
  if (typeof startHash !== 'string' || typeof endHash !== 'string') return undefined;
  const end = await oplog.getByHash(endHash);
  if (!end) return undefined;
  const author = end.hlc.nodeId;
  const boundary = await oplog.boundary(author);
  let from: Hlc | null;
  if (startHash === '') {
    if (boundary) return undefined; // the chain's start was pruned
    from = null;
  } else {
    const start = await oplog.getByHash(startHash);
    if (start && start.hlc.nodeId === author) from = start.hlc;
    else if (boundary && boundary.hash === startHash) from = boundary.hlc;
    else return undefined;
  }
  if (from !== null && compareStamp(from, end.hlc) >= 0) return [];
  const range: OplogEntry[] = [];
  for (let after = from; ; ) {
    const page = await oplog.entriesByAuthorAfter(author, after, { limit: PAGE });
    for (const e of page) {
      if (compareStamp(e.hlc, end.hlc) > 0) return undefined;
      range.push(e);
      if (e.hash === endHash) return range;
    }
    if (page.length < PAGE) return undefined;
    after = page[page.length - 1]!.hlc;
  }
}
