import { SluiceError } from '../core/errors.ts';
import { compareHlc, type Hlc, type HybridClock } from '../core/hlc.ts';
import { verifyEntryHash, type OplogEntry } from '../core/oplog-entry.ts';
import type { DatasetKind } from '../core/dataset-options.ts';
import { parseRecordBatch } from '../pipeline/record-batch.ts';
import type { DatasetSnapshot } from '../store/snapshot-store.ts';

/**
 * Checks a snapshot entry by entry before anything of it is committed: every entry's hash, each
 * author's chain from its prune boundary to its head, timestamps within the clock's drift limit,
 * append payloads, and every document against the history that must have produced it. A snapshot
 * is how a node far behind catches up, so it must never be a way to plant data the oplog does not
 * back (a document under another node's id, a far-future timestamp, a fake head).
 */
export function verifySnapshot(snapshot: DatasetSnapshot, clock: HybridClock, kind: DatasetKind): void {
  const now = Date.now();
  const byAuthor = new Map<string, OplogEntry[]>();
  for (const e of snapshot.oplog) {
    if (!verifyEntryHash(e)) throw invalid(`entry ${e.hash.slice(0, 12)}… by "${e.hlc.nodeId}" does not match its content`);
    clock.assertWithinDrift(e.hlc, now);
    if (kind === 'append') {
      if (e.op !== 'put' || e.payload === null) throw invalid(`entry ${e.hash.slice(0, 12)}… of an append dataset holds no records`);
      parseRecordBatch(e.payload, `append batch ${e.hash.slice(0, 12)}…`);
    }
    const list = byAuthor.get(e.hlc.nodeId);
    if (list) list.push(e);
    else byAuthor.set(e.hlc.nodeId, [e]);
  }
  const boundaries = new Map(snapshot.boundaries.map((b) => [b.nodeId, b]));
  const heads = new Map(snapshot.heads.map((h) => [h.nodeId, h]));
  for (const [author, list] of byAuthor) {
    list.sort((a, b) => compareHlc(a.hlc, b.hlc));
    let prev = boundaries.get(author)?.hash ?? '';
    for (const e of list) {
      if (e.prevHash !== prev) throw invalid(`the chain of "${author}" breaks at ${e.hash.slice(0, 12)}…`);
      prev = e.hash;
    }
    const head = heads.get(author);
    if (!head || head.hash !== prev) throw invalid(`the head of "${author}" is not the last entry of its chain`);
  }
  for (const head of snapshot.heads) {
    clock.assertWithinDrift(head.hlc, now);
    if (byAuthor.has(head.nodeId)) continue;
    // No entries left for this author: its head must be exactly its prune boundary.
    const boundary = boundaries.get(head.nodeId);
    if (!boundary || boundary.hash !== head.hash || compareHlc(boundary.hlc, head.hlc) !== 0) throw invalid(`the head of "${head.nodeId}" has no entries or boundary behind it`);
  }
  const entryAt = new Set(snapshot.oplog.map((e) => hlcKey(e.hlc)));
  for (const d of snapshot.documents) {
    clock.assertWithinDrift(d.hlc, now);
    if (entryAt.has(hlcKey(d.hlc))) continue;
    // Its entry was pruned: only then may it be at or before its author's boundary.
    const boundary = boundaries.get(d.hlc.nodeId);
    if (!boundary || compareHlc(d.hlc, boundary.hlc) > 0) throw invalid(`document ${d.collection}/${d.key} carries a timestamp no entry of the snapshot backs`);
  }
}

function hlcKey(t: Hlc): string {
  return `${t.wall}:${t.logic}:${t.nodeId}`;
}

function invalid(what: string): SluiceError {
  return new SluiceError('invalid_snapshot', `Snapshot refused before anything was imported: ${what}.`);
}
