import type { DatasetId } from '../../core/dataset-id.ts';
import type { StoredDocument } from '../../core/document.ts';
import type { Hlc } from '../../core/hlc.ts';
import { createEntry, type OplogEntry } from '../../core/oplog-entry.ts';
import { lastWriteWins } from '../../core/resolvers/last-write-wins.ts';
import type { DatasetStore, StorageAdapter, StorageTestHooks } from '../storage-adapter.ts';

export interface ContractInstance {
  readonly adapter: StorageAdapter;
  /** Durable adapters: close and open the same data again. */
  reopen?(): Promise<StorageAdapter>;
  /** Remove files or databases the instance created. */
  destroy?(): Promise<void>;
  /** Adapters with shared writers: another adapter on the same data, as a second process would open it. */
  openAnother?(): Promise<StorageAdapter>;
}

export interface ContractOptions {
  /** Must be wired into the adapter: the suite throws from it to prove rollback. */
  readonly hooks: StorageTestHooks;
  readonly maxPayloadBytes?: number;
}

/**
 * A durable instance from an opener: `reopen` closes the current adapter and opens the same data
 * again; `destroy` closes every adapter opened and then removes the data.
 */
export function reopenable(open: () => StorageAdapter, removeData: () => void | Promise<void>): ContractInstance {
  const opened: StorageAdapter[] = [open()];
  return {
    // The newest adapter, so the suite's cleanup closes whichever one a test reopened last.
    get adapter() {
      return opened.at(-1)!;
    },
    reopen: async () => {
      await opened.at(-1)!.close();
      opened.push(open());
      return opened.at(-1)!;
    },
    destroy: async () => {
      for (const a of opened) await a.close().catch(() => undefined);
      await removeData();
    },
  };
}

/** What an adapter author passes to runStorageContractTests: make a fresh, empty instance. */
export type ContractSetup = (options: ContractOptions) => Promise<ContractInstance>;

export interface ChainOptions {
  datasetId?: DatasetId;
  collection?: string;
  keys?: (i: number) => string;
  values?: (i: number) => unknown;
  startWall?: number;
  prevHash?: string;
}

/**
 * The ports of `adapter` per dataset, for tests that move between datasets:
 * `const { documents } = byDataset(adapter); await documents('primary').get('todos', 'a')`.
 */
export function byDataset(adapter: StorageAdapter): { [P in 'documents' | 'oplog' | 'confirmations' | 'checkpoints' | 'snapshots']: (datasetId: DatasetId) => DatasetStore[P] } {
  return {
    documents: (datasetId) => adapter.open(datasetId).documents,
    oplog: (datasetId) => adapter.open(datasetId).oplog,
    confirmations: (datasetId) => adapter.open(datasetId).confirmations,
    checkpoints: (datasetId) => adapter.open(datasetId).checkpoints,
    snapshots: (datasetId) => adapter.open(datasetId).snapshots,
  };
}

/** A hash-linked run of puts by one author, one millisecond apart. */
export function makeChain(nodeId: string, count: number, options: ChainOptions = {}): OplogEntry[] {
  const out: OplogEntry[] = [];
  let prev = options.prevHash ?? '';
  const start = options.startWall ?? 1_000;
  for (let i = 0; i < count; i++) {
    const entry = createEntry({
      datasetId: options.datasetId ?? 'primary',
      collection: options.collection ?? 'todos',
      key: options.keys ? options.keys(i) : `k${i}`,
      op: 'put',
      value: options.values ? options.values(i) : { n: i, by: nodeId },
      hlc: { wall: start + i, logic: 0, nodeId },
      prevHash: prev,
    });
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}

/** Documents as last-write-wins would resolve `entries` from empty: the shape applyBatch receives. */
export function documentsFor(entries: readonly OplogEntry[]): StoredDocument[] {
  const byKey = new Map<string, StoredDocument>();
  for (const e of entries) {
    const k = `${e.collection}\u0000${e.key}`;
    const current = byKey.get(k);
    const next = lastWriteWins.fromEntry(e);
    byKey.set(k, current ? lastWriteWins.merge(current, next) : next);
  }
  return [...byKey.values()];
}

export function hlc(wall: number, nodeId: string, logic = 0): Hlc {
  return { wall, logic, nodeId };
}

/** Compare documents on what they mean, ignoring how an adapter spells an absent meta. */
export function plain(doc: StoredDocument | undefined): unknown {
  if (doc === undefined) return undefined;
  return { collection: doc.collection, key: doc.key, value: doc.value, hlc: doc.hlc, deleted: doc.deleted, meta: doc.meta ?? null };
}
