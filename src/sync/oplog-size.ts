import { compareHlc, type Hlc } from '../core/hlc.ts';
import { entryByteSize } from '../core/oplog-entry.ts';
import type { OplogStore } from '../store/oplog-store.ts';

/**
 * Size retention measures the oplog with `entryByteSize` (payload + collection + key + a fixed
 * per-entry overhead): the same estimate that bounds sync batches. It is not the on-disk footprint
 * (indexes, page slack and the document table are not counted), but it grows with it linearly and is
 * identical on every adapter, so a cap means the same thing on SQLite, IndexedDB and memory.
 * Measuring reads the entries page by page in HLC order, so its cost is one pass over the oplog.
 */
const PAGE = 1_000;

/** Bytes and count of the entries strictly after `from` (null: the whole oplog). */
export async function oplogBytesAfter(oplog: OplogStore, from: Hlc | null): Promise<{ bytes: number; entries: number }> {
  let bytes = 0;
  let entries = 0;
  let after = from;
  for (;;) {
    const page = await oplog.entriesAfter(after, { limit: PAGE });
    for (const e of page) bytes += entryByteSize(e);
    entries += page.length;
    if (page.length < PAGE) return { bytes, entries };
    after = page[page.length - 1]!.hlc;
  }
}

export interface SizeCut {
  /** The cutoff the cap alone asks for: the newest entry of the shortest oldest-first run worth `excess` bytes. */
  readonly wanted: Hlc | null;
  /** The same, but never past `limit`: null when not even the oldest entry may go. */
  readonly allowed: Hlc | null;
  /** Bytes removed by pruning up to `allowed`. */
  readonly allowedBytes: number;
}

/**
 * Walks the entries after `from` oldest first until their bytes reach `excess`. Prune cutoffs are
 * inclusive and the walk is in HLC order, so cutting at an entry's own HLC removes exactly the run.
 */
export async function sizeCutoff(oplog: OplogStore, from: Hlc | null, excess: number, limit: Hlc | null): Promise<SizeCut> {
  let acc = 0;
  let allowed: Hlc | null = null;
  let allowedBytes = 0;
  let after = from;
  for (;;) {
    const page = await oplog.entriesAfter(after, { limit: PAGE });
    for (const e of page) {
      acc += entryByteSize(e);
      if (limit === null || compareHlc(e.hlc, limit) <= 0) {
        allowed = e.hlc;
        allowedBytes = acc;
      }
      if (acc >= excess) return { wanted: e.hlc, allowed, allowedBytes };
    }
    if (page.length < PAGE) return { wanted: null, allowed, allowedBytes };
    after = page[page.length - 1]!.hlc;
  }
}
