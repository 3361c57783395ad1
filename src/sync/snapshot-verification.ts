import { SluiceError } from '../core/errors.ts';
import { compareHlc, type Hlc, type HybridClock } from '../core/hlc.ts';
import { canonicalJson } from '../core/json.ts';
import { unsigned, verifyEntryHash, type OplogEntry } from '../core/oplog-entry.ts';
import type { DatasetKind } from '../core/dataset-options.ts';
import type { ConflictResolver } from '../core/resolvers/resolver.ts';
import { parseRecordBatch } from '../pipeline/record-batch.ts';
import type { DatasetSnapshot } from '../store/snapshot-store.ts';
import { VOUCHED, verifyIncoming } from './signatures.ts';

/**
 * Checks a snapshot entry by entry before anything of it is committed: every entry's hash, each
 * author's chain from its prune boundary to its head, every boundary and head, timestamps within
 * the clock's drift limit, append payloads, and every document against the history that must have
 * produced it. A snapshot is how a node far behind catches up, so it must never be a way to plant
 * data the oplog does not back (a document under another node's id, a far-future timestamp, a fake
 * head or boundary).
 */
export function verifySnapshot(snapshot: DatasetSnapshot, clock: HybridClock, kind: DatasetKind, resolverFor: (collection: string) => ConflictResolver): void {
  const now = Date.now();
  const boundaries = new Map(snapshot.boundaries.map((b) => [b.nodeId, b]));
  const heads = new Map(snapshot.heads.map((h) => [h.nodeId, h]));
  for (const b of snapshot.boundaries) {
    clock.assertWithinDrift(b.hlc, now);
    const head = heads.get(b.nodeId);
    if (!head || compareHlc(b.hlc, head.hlc) > 0) throw invalid(`the boundary of "${b.nodeId}" is not behind its head`);
  }
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
  for (const [author, list] of byAuthor) {
    list.sort((a, b) => compareHlc(a.hlc, b.hlc));
    const boundary = boundaries.get(author);
    // Entries at or before the boundary may remain (a merge keeps what a node already held): the
    // chain that must link runs from the boundary to the head.
    const live = boundary ? list.filter((e) => compareHlc(e.hlc, boundary.hlc) > 0) : list;
    let prev = boundary?.hash ?? '';
    for (const e of live) {
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
  const entryAt = new Map(snapshot.oplog.map((e) => [hlcKey(e.hlc), e]));
  for (const d of snapshot.documents) {
    clock.assertWithinDrift(d.hlc, now);
    const entry = entryAt.get(hlcKey(d.hlc));
    if (entry) {
      if (entry.collection !== d.collection || entry.key !== d.key) throw invalid(`document ${d.collection}/${d.key} carries the timestamp of an entry for ${entry.collection}/${entry.key}`);
      assertDocumentFromEntry(d, entry, resolverFor(d.collection));
      continue;
    }
    // Its entry was pruned: only then may it be at or before its author's boundary.
    const boundary = boundaries.get(d.hlc.nodeId);
    if (!boundary || compareHlc(d.hlc, boundary.hlc) > 0) throw invalid(`document ${d.collection}/${d.key} carries a timestamp no entry of the snapshot backs`);
  }
}

/**
 * Under last-write-wins a document is exactly its newest entry, so its value is checked against
 * it. Other resolvers fold several entries (some possibly pruned): there the entry's collection,
 * key and timestamp are what can be checked.
 */
function assertDocumentFromEntry(d: DatasetSnapshot['documents'][number], entry: OplogEntry, resolver: ConflictResolver): void {
  if (resolver.name !== 'last-write-wins') return;
  const expected = resolver.fromEntry(entry);
  if (expected.deleted !== d.deleted || (!d.deleted && canonicalJson(expected.value) !== canonicalJson(d.value))) {
    throw invalid(`document ${d.collection}/${d.key} differs from the entry that wrote it`);
  }
}

/**
 * With signing on, each author's chain above its prune boundary must end at its head, signed.
 * Run after verifySnapshot (which proves the chains link to those heads). Only the head signatures
 * are checked, so only they are kept. A snapshot comes from the hub this node dialed, which vouches
 * for the keys; a head that is its own boundary has no entries left to sign.
 */
export async function verifySnapshotSignatures(snapshot: DatasetSnapshot): Promise<DatasetSnapshot> {
  const boundaries = new Map(snapshot.boundaries.map((b) => [b.nodeId, b.hash]));
  const headHashes = new Set(snapshot.heads.filter((h) => boundaries.get(h.nodeId) !== h.hash).map((h) => h.hash));
  const heads = snapshot.oplog.filter((e) => headHashes.has(e.hash));
  // Each head is the last fresh entry of its author here, which is what verifyIncoming checks.
  await verifyIncoming(heads, VOUCHED);
  return { ...snapshot, oplog: snapshot.oplog.map((e) => (headHashes.has(e.hash) ? e : unsigned(e))) };
}

function hlcKey(t: Hlc): string {
  return `${t.wall}:${t.logic}:${t.nodeId}`;
}

function invalid(what: string): SluiceError {
  return new SluiceError('invalid_snapshot', `Snapshot refused before anything was imported: ${what}.`);
}
