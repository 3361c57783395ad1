import type { Hlc } from '../../../src/core/hlc.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { Confirmation, PeerRecord } from '../../../src/store/confirmation-store.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';

/** A document row as the memory adapter keeps it: JSON text, like the durable adapters, so reads never alias caller objects. */
export interface MemoryDocumentRow {
  readonly collection: string;
  readonly key: string;
  readonly valueJson: string | null;
  readonly metaJson: string | null;
  readonly hlc: Hlc;
  readonly deleted: boolean;
}

type Table<V> = Map<string, V>;

/** All state of one dataset. Writes go through `transaction` so a failure undoes every change. */
export class MemoryDataset {
  readonly documents: Table<MemoryDocumentRow> = new Map();
  readonly oplog: Table<OplogEntry> = new Map();
  readonly heads: Table<AuthorHead> = new Map();
  readonly boundaries: Table<AuthorHead> = new Map();
  readonly peers: Table<PeerRecord> = new Map();
  readonly confirmations: Table<Confirmation> = new Map();
  readonly checkpoints: Table<string> = new Map();

  private undo: (() => void)[] | null = null;

  transaction<T>(body: () => T): T {
    this.undo = [];
    try {
      const result = body();
      this.undo = null;
      return result;
    } catch (error) {
      const undo = this.undo ?? [];
      this.undo = null;
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw error;
    }
  }

  set<V>(table: Table<V>, key: string, value: V): void {
    this.remember(table, key);
    table.set(key, value);
  }

  remove<V>(table: Table<V>, key: string): boolean {
    if (!table.has(key)) return false;
    this.remember(table, key);
    table.delete(key);
    return true;
  }

  private remember<V>(table: Table<V>, key: string): void {
    if (this.undo === null) throw new Error('MemoryDataset: write outside a transaction');
    const had = table.has(key);
    const old = table.get(key);
    this.undo.push(() => {
      if (had) table.set(key, old as V);
      else table.delete(key);
    });
  }
}

export function documentKey(collection: string, key: string): string {
  return `${collection}\u0000${key}`;
}

export function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
