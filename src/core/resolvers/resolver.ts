import type { StoredDocument } from '../document.ts';
import type { OplogEntry } from '../oplog-entry.ts';

/**
 * A conflict resolver is a join over document states. `merge` must be commutative, associative
 * and idempotent: then every replica reaches the same state whatever order entries arrive in,
 * and re-applying an entry (after a crash, or from two peers) changes nothing.
 */
export interface ConflictResolver {
  readonly name: string;
  /** The document state described by one entry on its own. */
  fromEntry(entry: OplogEntry): StoredDocument;
  merge(local: StoredDocument, incoming: StoredDocument): StoredDocument;
}

export function applyEntry(resolver: ConflictResolver, current: StoredDocument | undefined, entry: OplogEntry): StoredDocument {
  const incoming = resolver.fromEntry(entry);
  return current === undefined ? incoming : resolver.merge(current, incoming);
}
