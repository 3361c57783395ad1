import { documentFromText, type StoredDocument } from '../document.ts';
import { compareHlc } from '../hlc.ts';
import type { OplogEntry } from '../oplog-entry.ts';
import type { ConflictResolver } from './resolver.ts';

/** The default: the whole document from the change with the greatest HLC wins, deletes included. */
export const lastWriteWins: ConflictResolver = {
  name: 'last-write-wins',
  fromEntry(entry: OplogEntry): StoredDocument {
    // The document is exactly the payload: storage writes that text, and the value is parsed only if read.
    if (entry.payload !== null) return documentFromText(entry.collection, entry.key, entry.payload, entry.hlc);
    return { collection: entry.collection, key: entry.key, value: null, hlc: entry.hlc, deleted: true };
  },
  merge(local, incoming) {
    return compareHlc(incoming.hlc, local.hlc) > 0 ? incoming : local;
  },
};
