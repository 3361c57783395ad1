import { withValueText, type StoredDocument } from '../document.ts';
import { compareHlc } from '../hlc.ts';
import type { JsonValue } from '../json.ts';
import type { OplogEntry } from '../oplog-entry.ts';
import type { ConflictResolver } from './resolver.ts';

/** The default: the whole document from the change with the greatest HLC wins, deletes included. */
export const lastWriteWins: ConflictResolver = {
  name: 'last-write-wins',
  fromEntry(entry: OplogEntry): StoredDocument {
    const document: StoredDocument = {
      collection: entry.collection,
      key: entry.key,
      value: entry.payload === null ? null : (JSON.parse(entry.payload) as JsonValue),
      hlc: entry.hlc,
      deleted: entry.op === 'delete',
    };
    // The document is exactly the payload: storage writes that text rather than serialising it again.
    return entry.payload === null ? document : withValueText(document, entry.payload);
  },
  merge(local, incoming) {
    return compareHlc(incoming.hlc, local.hlc) > 0 ? incoming : local;
  },
};
