import { isDeepStrictEqual } from 'node:util';
import type { DatasetId } from '../src/core/dataset-id.ts';
import { compareHlc } from '../src/core/hlc.ts';
import type { OplogEntry } from '../src/core/oplog-entry.ts';
import type { ApplyBatch } from '../src/store/document-store.ts';
import type { DatasetStore, StorageAdapter } from '../src/store/storage-adapter.ts';

/*
 * The ground truth for the state check: every oplog entry an honest node created by its own local
 * write. The hub may hold these and nothing else.
 *
 * Entries are learned where they are born, in the honest node's storage: its applyBatch is wrapped,
 * and an entry counts as honest only if it is authored by that node AND matches a write the
 * harness announced just before making it (same collection, key and value; for append batches, the
 * record ids). Remote entries that reach an honest node through the hub (including forged ones
 * carrying its own node id) never match an announced write, because each announced write is
 * consumed by the first entry that matches it, and the local write always comes first.
 */

/** Append datasets store each flushed batch as one entry in this collection. */
export const RECORDS_COLLECTION = 'records';

const DELETE = Symbol('delete');

export class HonestLedger {
  private readonly entries = new Map<string, OplogEntry>();
  /** Node ids of the honest clients. */
  readonly authors = new Set<string>();
  /**
   * Node ids that completed a handshake with the right token: honest nodes, and identities the
   * fuzzer itself presented with the right token. Only these may show up as tracked peers.
   */
  readonly authenticatedIds = new Set<string>();
  private readonly pendingWrites = new Map<string, unknown>();
  private readonly pendingRecords = new Map<string, Set<string>>();

  /** Announces a put the harness is about to make through `author`'s node. */
  expectPut(datasetId: DatasetId, author: string, collection: string, key: string, value: unknown): void {
    this.pendingWrites.set(writeKey(datasetId, author, collection, key), value);
  }

  expectDelete(datasetId: DatasetId, author: string, collection: string, key: string): void {
    this.pendingWrites.set(writeKey(datasetId, author, collection, key), DELETE);
  }

  /** Announces append records (each with a unique string `id`) about to be flushed by `author`. */
  expectRecords(datasetId: DatasetId, author: string, ids: readonly string[]): void {
    const k = `${datasetId}\u0000${author}`;
    const set = this.pendingRecords.get(k) ?? new Set<string>();
    for (const id of ids) set.add(id);
    this.pendingRecords.set(k, set);
  }

  get(datasetId: DatasetId, hash: string): OplogEntry | undefined {
    return this.entries.get(`${datasetId}\u0000${hash}`);
  }

  has(datasetId: DatasetId, hash: string): boolean {
    return this.entries.has(`${datasetId}\u0000${hash}`);
  }

  /** The newest honest entry of an author in a dataset: where a forged continuation would link. */
  headOf(datasetId: DatasetId, author: string): OplogEntry | undefined {
    let head: OplogEntry | undefined;
    for (const e of this.entries.values()) {
      if (e.datasetId !== datasetId || e.hlc.nodeId !== author) continue;
      if (head === undefined || compareHlc(e.hlc, head.hlc) > 0) head = e;
    }
    return head;
  }

  all(datasetId?: DatasetId): OplogEntry[] {
    return [...this.entries.values()].filter((e) => datasetId === undefined || e.datasetId === datasetId);
  }

  /** Honest documents by collection/key: the values a client might legitimately see. */
  keysWritten(datasetId: DatasetId): { collection: string; key: string }[] {
    const seen = new Map<string, { collection: string; key: string }>();
    for (const e of this.all(datasetId)) if (e.collection !== RECORDS_COLLECTION) seen.set(`${e.collection}\u0000${e.key}`, { collection: e.collection, key: e.key });
    return [...seen.values()];
  }

  /** The honest node's storage, with its writes observed on the way in. */
  wrap(storage: StorageAdapter, nodeId: string): StorageAdapter {
    this.authors.add(nodeId);
    this.authenticatedIds.add(nodeId);
    const stores = new Map<DatasetId, DatasetStore>();
    const open = (datasetId: DatasetId): DatasetStore => {
      let store = stores.get(datasetId);
      if (!store) {
        const inner = storage.open(datasetId);
        const applyBatch = async (batch: ApplyBatch) => {
          const result = await inner.documents.applyBatch(batch);
          this.observe(datasetId, nodeId, batch.entries);
          return result;
        };
        stores.set(datasetId, (store = { ...inner, documents: { ...inner.documents, applyBatch } }));
      }
      return store;
    };
    return new Proxy(storage, { get: (target, prop) => (prop === 'open' ? open : bound(target, prop)) });
  }

  private observe(datasetId: DatasetId, nodeId: string, entries: readonly OplogEntry[]): void {
    for (const e of entries) {
      if (e.hlc.nodeId !== nodeId || this.has(datasetId, e.hash)) continue;
      if (this.matchesRecords(datasetId, nodeId, e) || this.matchesWrite(datasetId, nodeId, e)) {
        this.entries.set(`${datasetId}\u0000${e.hash}`, e);
      }
    }
  }

  private matchesWrite(datasetId: DatasetId, nodeId: string, e: OplogEntry): boolean {
    const k = writeKey(datasetId, nodeId, e.collection, e.key);
    if (!this.pendingWrites.has(k)) return false;
    const expected = this.pendingWrites.get(k);
    const ok = e.op === 'delete' ? expected === DELETE : expected !== DELETE && e.payload !== null && isDeepStrictEqual(parse(e.payload), expected);
    if (ok) this.pendingWrites.delete(k);
    return ok;
  }

  private matchesRecords(datasetId: DatasetId, nodeId: string, e: OplogEntry): boolean {
    const pending = this.pendingRecords.get(`${datasetId}\u0000${nodeId}`);
    if (e.collection !== RECORDS_COLLECTION || !pending || pending.size === 0 || e.payload === null) return false;
    const records = parse(e.payload);
    if (!Array.isArray(records) || records.length === 0) return false;
    const ids = records.map((r) => (typeof r === 'object' && r !== null ? (r as { id?: unknown }).id : undefined));
    if (!ids.every((id): id is string => typeof id === 'string' && pending.has(id))) return false;
    for (const id of ids) pending.delete(id);
    return true;
  }
}

function writeKey(datasetId: DatasetId, author: string, collection: string, key: string): string {
  return `${datasetId}\u0000${author}\u0000${collection}\u0000${key}`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function bound(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target) as unknown;
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
}
