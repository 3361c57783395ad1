import type { StoredDocument } from '../core/document.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import type { CommitNotice, DatasetStore } from '../store/storage-adapter.ts';

/** A notice's entries are read back and carried to live peers up to this size; past it, peers hear heads and pull. */
const MAX_READ_BACK_BYTES = 64 * 1024;
const MAX_READ_BACK_ENTRIES = 256;
const MAX_LOGIC = 0x7fff_ffff;

export interface ForeignCommit {
  /** The committed entries, complete; empty when they were too many to read back (peers then pull). */
  readonly entries: readonly OplogEntry[];
  /** Every author's head after the commit. */
  readonly heads: readonly AuthorHead[];
  /** Current documents of the keys the entries touched (documents datasets only). */
  readonly documents: readonly StoredDocument[];
}

/**
 * Commits that other writers of shared storage made (another hub over the same PostgreSQL): each
 * notice names an author's committed range, which is read back with one query per author, all sent
 * at once, and handed on so this node pushes it to its own live connections as if it had applied
 * it. Notices are handled in arrival order, one read at a time.
 */
export async function watchForeignCommits(
  store: DatasetStore,
  sharedWriters: boolean,
  withDocuments: boolean,
  deliver: (commit: ForeignCommit) => void,
): Promise<(() => Promise<void>) | undefined> {
  if (store.watchCommits === undefined || !sharedWriters) return undefined;
  let tail = Promise.resolve();
  return store.watchCommits((notices) => {
    tail = tail.then(() => readBack(store, notices, withDocuments).then(deliver)).catch(() => undefined);
  });
}

async function readBack(store: DatasetStore, notices: readonly CommitNotice[], withDocuments: boolean): Promise<ForeignCommit> {
  const heads = notices.map((n) => ({ nodeId: n.author, hlc: n.last, hash: n.lastHash }));
  // A range too long to carry, or not known (count 0: notices were missed), goes out as heads: peers pull.
  if (notices.some((n) => n.count === 0 || n.count > MAX_READ_BACK_ENTRIES)) return { entries: [], heads, documents: [] };
  const pages = await Promise.all(
    notices.map((n) => store.oplog.entriesByAuthorAfter(n.author, justBefore(n), { limit: n.count, maxBytes: MAX_READ_BACK_BYTES })),
  );
  // Whole or not at all: a range cut by the byte cap, or pruned meanwhile, is left for peers to pull.
  const complete = pages.every((page, i) => page.length === notices[i]!.count && page.at(-1)?.hash === notices[i]!.lastHash);
  const entries = complete ? pages.flat() : [];
  if (!withDocuments || entries.length === 0) return { entries, heads, documents: [] };
  const refs = new Map<string, { collection: string; key: string }>();
  for (const e of entries) refs.set(`${e.collection}\u0000${e.key}`, { collection: e.collection, key: e.key });
  const documents = (await store.documents.getMany([...refs.values()])).filter((d): d is StoredDocument => d !== undefined);
  return { entries, heads, documents };
}

/** The author's position right before the notice's first entry: entriesByAuthorAfter reads from there. */
function justBefore(n: CommitNotice): { wall: number; logic: number; nodeId: string } | null {
  if (n.first.logic > 0) return { wall: n.first.wall, logic: n.first.logic - 1, nodeId: n.author };
  return n.first.wall > 0 ? { wall: n.first.wall - 1, logic: MAX_LOGIC, nodeId: n.author } : null;
}
