import { runQuery } from '../../../src/store/query/evaluate.ts';
import { assertDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import type { StoredDocument } from '../../../src/core/document.ts';
import { assertHlc, compareHlc, compareStamp, type Hlc } from '../../../src/core/hlc.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import { assertCollection, assertKey } from '../../../src/core/names.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { CheckpointStore } from '../../../src/store/checkpoint-store.ts';
import type { ConfirmationStore } from '../../../src/store/confirmation-store.ts';
import type { ApplyBatch, ApplyResult, DocumentRef, DocumentStore, ListOptions } from '../../../src/store/document-store.ts';
import type { AuthorHead, OplogStore, PruneBoundary, PruneResult, ReadLimits } from '../../../src/store/oplog-store.ts';
import { SNAPSHOT_FORMAT, type DatasetSnapshot, type SnapshotImportOptions, type SnapshotImportResult, type SnapshotStore } from '../../../src/store/snapshot-store.ts';
import type { DatasetStore, StorageAdapter, StorageDescriptor, StorageLimits, StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { openScoped, type ScopedPort, type ScopedPorts } from '../../../src/store/dataset-scoped.ts';
import {
  assertCheckpointName,
  assertConfirmation,
  assertOpen,
  assertPeerId,
  checkpointJson,
  headsOf,
  newerDocument,
  parseSnapshot,
  prepareBatch,
  prepareDocument,
  prepareEntries,
  resolveListOptions,
  resolveMaxPayloadBytes,
  resolveReadLimits,
  trimToBytes,
  type PreparedDocument,
} from '../../../src/store/validation.ts';
import { documentKey, MemoryDataset, pairKey, type MemoryDocumentRow } from './memory-dataset.ts';

export interface MemoryStorageOptions extends StorageLimits {
  hooks?: StorageTestHooks;
}

/** In-process storage: fast, not durable. For tests, browsers without IndexedDB, and throwaway nodes. */
export function memoryStorage(options: MemoryStorageOptions = {}): StorageAdapter {
  return new MemoryStorage(options);
}

class MemoryStorage implements StorageAdapter {
  readonly kind = 'memory';
  private readonly ports: ScopedPorts;
  private readonly stores = new Map<DatasetId, DatasetStore>();
  private readonly datasets = new Map<DatasetId, MemoryDataset>();
  private readonly maxPayloadBytes: number;
  private readonly hooks: StorageTestHooks;
  private closed = false;

  constructor(options: MemoryStorageOptions) {
    this.maxPayloadBytes = resolveMaxPayloadBytes(options);
    this.hooks = options.hooks ?? {};
    this.ports = {
      documents: this.documentStore(),
      oplog: this.oplogStore(),
      confirmations: this.confirmationStore(),
      checkpoints: this.checkpointStore(),
      snapshots: this.snapshotStore(),
    };
  }

  open(datasetId: DatasetId): DatasetStore {
    return openScoped(this.ports, this.stores, datasetId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.datasets.clear();
  }

  /** A worker given this opens its own, empty memory store: memory is never shared across threads. */
  describe(): StorageDescriptor {
    return { kind: 'memory', maxPayloadBytes: this.maxPayloadBytes };
  }

  private ds(datasetId: DatasetId): MemoryDataset {
    assertOpen(this.closed, this.kind);
    assertDatasetId(datasetId);
    let ds = this.datasets.get(datasetId);
    if (!ds) {
      ds = new MemoryDataset();
      this.datasets.set(datasetId, ds);
    }
    return ds;
  }

  private commit(operation: string): void {
    this.hooks.beforeCommit?.(operation);
  }

  private documentStore(): ScopedPort<DocumentStore> {
    return {
      get: async (datasetId, collection, key) => {
        const row = this.ds(datasetId).documents.get(documentKey(assertCollection(collection), assertKey(key)));
        return row && toDocument(row);
      },
      getMany: async (datasetId, refs: readonly DocumentRef[]) => {
        const ds = this.ds(datasetId);
        return refs.map((r) => {
          const row = ds.documents.get(documentKey(assertCollection(r.collection), assertKey(r.key)));
          return row && toDocument(row);
        });
      },
      put: async (datasetId, document) => {
        const ds = this.ds(datasetId);
        const prepared = prepareDocument(document, this.maxPayloadBytes);
        ds.transaction(() => {
          writeDocument(ds, prepared);
          this.commit('documents.put');
        });
      },
      delete: async (datasetId, collection, key) => {
        const ds = this.ds(datasetId);
        const k = documentKey(assertCollection(collection), assertKey(key));
        return ds.transaction(() => {
          const removed = ds.remove(ds.documents, k);
          this.commit('documents.delete');
          return removed;
        });
      },
      list: async (datasetId, collection, options?: ListOptions) => {
        const ds = this.ds(datasetId);
        assertCollection(collection);
        const { includeDeleted, afterKey, limit } = resolveListOptions(options);
        const rows = [...ds.documents.values()]
          .filter((r) => r.collection === collection && (includeDeleted || !r.deleted))
          .filter((r) => afterKey === undefined || r.key > afterKey)
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return rows.slice(0, limit).map(toDocument);
      },
      applyBatch: async (datasetId, batch: ApplyBatch): Promise<ApplyResult> => {
        const ds = this.ds(datasetId);
        const prepared = prepareBatch(datasetId, batch, this.maxPayloadBytes);
        return ds.transaction(() => {
          for (const d of prepared.documents) writeDocument(ds, d);
          const inserted = appendEntries(ds, prepared.entries);
          this.commit('documents.applyBatch');
          return { documentsWritten: prepared.documents.length, entriesInserted: inserted };
        });
      },
      // Memory has no index structures: a query reads the collection's rows and evaluates the
      // plan's query with the reference semantics, which every other adapter is held to.
      ensureIndexes: async (datasetId, collection) => {
        this.ds(datasetId);
        assertCollection(collection);
      },
      query: async (datasetId, collection, plan) => {
        const ds = this.ds(datasetId);
        assertCollection(collection);
        const docs: StoredDocument[] = [];
        for (const r of ds.documents.values()) if (r.collection === collection && !r.deleted) docs.push(toDocument(r));
        return runQuery(docs, plan.query).map((d) => ({ key: d.key, value: d.value as JsonValue }));
      },
    };
  }

  private oplogStore(): ScopedPort<OplogStore> {
    return {
      append: async (datasetId, entries) => {
        const ds = this.ds(datasetId);
        const prepared = prepareEntries(datasetId, entries, this.maxPayloadBytes);
        return ds.transaction(() => {
          const inserted = appendEntries(ds, prepared);
          this.commit('oplog.append');
          return inserted;
        });
      },
      getByHash: async (datasetId, hash) => this.ds(datasetId).oplog.get(hash),
      heads: async (datasetId) => sortByNode([...this.ds(datasetId).heads.values()]),
      head: async (datasetId, nodeId) => this.ds(datasetId).heads.get(nodeId),
      entriesByAuthorAfter: async (datasetId, nodeId, after, limits?: ReadLimits) => {
        const ds = this.ds(datasetId);
        const { limit, maxBytes } = resolveReadLimits(limits);
        const from = after === null ? null : assertHlc(after);
        const found = [...ds.oplog.values()].filter((e) => e.hlc.nodeId === nodeId && (from === null || afterWithinAuthor(e.hlc, from)));
        return trimToBytes(found.sort(byHlc).slice(0, limit), maxBytes);
      },
      entriesAfter: async (datasetId, after, limits?: ReadLimits) => {
        const ds = this.ds(datasetId);
        const { limit, maxBytes } = resolveReadLimits(limits);
        const from = after === null ? null : assertHlc(after);
        const found = [...ds.oplog.values()].filter((e) => from === null || compareHlc(e.hlc, from) > 0);
        return trimToBytes(found.sort(byHlc).slice(0, limit), maxBytes);
      },
      prune: async (datasetId, cutoff): Promise<PruneResult> => {
        const ds = this.ds(datasetId);
        const limit = assertHlc(cutoff, 'cutoff');
        return ds.transaction(() => {
          const doomed = [...ds.oplog.values()].filter((e) => compareHlc(e.hlc, limit) <= 0);
          for (const e of doomed) ds.remove(ds.oplog, e.hash);
          const written: PruneBoundary[] = [];
          for (const b of headsOf(doomed).values()) {
            const current = ds.boundaries.get(b.nodeId);
            if (current === undefined || compareHlc(b.hlc, current.hlc) > 0) {
              ds.set(ds.boundaries, b.nodeId, b);
              written.push(b);
            }
          }
          this.commit('oplog.prune');
          return { removed: doomed.length, boundaries: sortByNode(written) };
        });
      },
      boundary: async (datasetId, nodeId) => this.ds(datasetId).boundaries.get(nodeId),
      boundaries: async (datasetId) => sortByNode([...this.ds(datasetId).boundaries.values()]),
      count: async (datasetId) => this.ds(datasetId).oplog.size,
    };
  }

  private confirmationStore(): ScopedPort<ConfirmationStore> {
    return {
      registerPeer: async (datasetId, peerId, options = {}) => {
        const ds = this.ds(datasetId);
        assertPeerId(peerId);
        const existing = ds.peers.get(peerId);
        ds.transaction(() => {
          ds.set(ds.peers, peerId, {
            peerId,
            address: options.address ?? existing?.address ?? null,
            active: existing?.active ?? true,
            registeredAt: existing?.registeredAt ?? Date.now(),
          });
          this.commit('confirmations.registerPeer');
        });
      },
      listPeers: async (datasetId) => [...this.ds(datasetId).peers.values()].sort((a, b) => (a.peerId < b.peerId ? -1 : 1)),
      setPeerActive: async (datasetId, peerId, active) => {
        const ds = this.ds(datasetId);
        const existing = ds.peers.get(assertPeerId(peerId));
        if (!existing) return;
        ds.transaction(() => {
          ds.set(ds.peers, peerId, { ...existing, active });
          this.commit('confirmations.setPeerActive');
        });
      },
      removePeer: async (datasetId, peerId) => {
        const ds = this.ds(datasetId);
        assertPeerId(peerId);
        return ds.transaction(() => {
          const removed = ds.remove(ds.peers, peerId);
          for (const [k, c] of [...ds.confirmations]) if (c.peerId === peerId) ds.remove(ds.confirmations, k);
          this.commit('confirmations.removePeer');
          return removed;
        });
      },
      confirm: async (datasetId, rawPeer, rawAuthor, rawHlc, rawHash) => {
        const ds = this.ds(datasetId);
        const { peerId, authorId, hlc: t, hash } = assertConfirmation(rawPeer, rawAuthor, rawHlc, rawHash);
        const k = pairKey(peerId, authorId);
        const current = ds.confirmations.get(k);
        if (current && compareHlc(t, current.hlc) <= 0) return false;
        ds.transaction(() => {
          ds.set(ds.confirmations, k, { peerId, authorId, hlc: t, hash, confirmedAt: Date.now() });
          this.commit('confirmations.confirm');
        });
        return true;
      },
      confirmations: async (datasetId, peerId) =>
        [...this.ds(datasetId).confirmations.values()]
          .filter((c) => peerId === undefined || c.peerId === peerId)
          .sort((a, b) => (a.peerId !== b.peerId ? (a.peerId < b.peerId ? -1 : 1) : a.authorId < b.authorId ? -1 : 1)),
    };
  }

  private checkpointStore(): ScopedPort<CheckpointStore> {
    return {
      get: async (datasetId, name) => {
        const json = this.ds(datasetId).checkpoints.get(assertCheckpointName(name));
        return json === undefined ? undefined : (JSON.parse(json) as JsonValue);
      },
      set: async (datasetId, name, value) => {
        const ds = this.ds(datasetId);
        const json = checkpointJson(value);
        ds.transaction(() => {
          ds.set(ds.checkpoints, assertCheckpointName(name), json);
          this.commit('checkpoints.set');
        });
      },
      delete: async (datasetId, name) => {
        const ds = this.ds(datasetId);
        return ds.transaction(() => {
          const removed = ds.remove(ds.checkpoints, assertCheckpointName(name));
          this.commit('checkpoints.delete');
          return removed;
        });
      },
      list: async (datasetId) =>
        [...this.ds(datasetId).checkpoints.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, json]) => ({ name, value: JSON.parse(json) as JsonValue })),
    };
  }

  private snapshotStore(): ScopedPort<SnapshotStore> {
    return {
      export: async (datasetId): Promise<DatasetSnapshot> => {
        const ds = this.ds(datasetId);
        return {
          format: SNAPSHOT_FORMAT,
          datasetId,
          createdAt: Date.now(),
          documents: [...ds.documents.values()].sort(byCollectionKey).map(toDocument),
          oplog: [...ds.oplog.values()].sort(byHlc),
          heads: sortByNode([...ds.heads.values()]),
          boundaries: sortByNode([...ds.boundaries.values()]),
        };
      },
      import: async (datasetId, raw, options: SnapshotImportOptions): Promise<SnapshotImportResult> => {
        const ds = this.ds(datasetId);
        const snapshot = parseSnapshot(datasetId, raw, this.maxPayloadBytes);
        const merge = options.mergeDocument ?? newerDocument;
        return ds.transaction(() => {
          if (options.mode === 'replace') {
            for (const table of [ds.documents, ds.oplog, ds.heads, ds.boundaries] as Map<string, unknown>[]) {
              for (const k of [...table.keys()]) ds.remove(table, k);
            }
          }
          for (const incoming of snapshot.documents) {
            const row = ds.documents.get(documentKey(incoming.collection, incoming.key));
            const next = row && options.mode === 'merge' ? merge(toDocument(row), incoming) : incoming;
            writeDocument(ds, prepareDocument(next, this.maxPayloadBytes));
          }
          const entries = appendEntries(ds, snapshot.oplog);
          for (const h of snapshot.heads) advance(ds, ds.heads, h);
          for (const b of snapshot.boundaries) advance(ds, ds.boundaries, b);
          this.commit('snapshots.import');
          return { documents: snapshot.documents.length, entries };
        });
      },
    };
  }
}

function writeDocument(ds: MemoryDataset, p: PreparedDocument): void {
  ds.set(ds.documents, documentKey(p.doc.collection, p.doc.key), {
    collection: p.doc.collection,
    key: p.doc.key,
    valueJson: p.valueJson,
    metaJson: p.metaJson,
    hlc: p.doc.hlc,
    deleted: p.doc.deleted,
  });
}

function appendEntries(ds: MemoryDataset, entries: readonly OplogEntry[]): number {
  const fresh: OplogEntry[] = [];
  for (const e of entries) {
    if (ds.oplog.has(e.hash)) continue;
    ds.set(ds.oplog, e.hash, e);
    fresh.push(e);
  }
  for (const h of headsOf(fresh).values()) advance(ds, ds.heads, h);
  return fresh.length;
}

function advance(ds: MemoryDataset, table: Map<string, AuthorHead>, head: AuthorHead): void {
  const current = table.get(head.nodeId);
  if (current === undefined || compareHlc(head.hlc, current.hlc) > 0) ds.set(table, head.nodeId, head);
}

function toDocument(row: MemoryDocumentRow): StoredDocument {
  return {
    collection: row.collection,
    key: row.key,
    value: row.valueJson === null ? null : (JSON.parse(row.valueJson) as JsonValue),
    hlc: row.hlc,
    deleted: row.deleted,
    meta: row.metaJson === null ? null : (JSON.parse(row.metaJson) as JsonValue),
  };
}

function byCollectionKey(a: MemoryDocumentRow, b: MemoryDocumentRow): number {
  if (a.collection !== b.collection) return a.collection < b.collection ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function byHlc(a: OplogEntry, b: OplogEntry): number {
  return compareHlc(a.hlc, b.hlc);
}

/** Within one author, order is by (wall, logic); the nodeId is the same on both sides. */
function afterWithinAuthor(t: Hlc, from: Hlc): boolean {
  return compareStamp(t, from) > 0;
}

function sortByNode<T extends { nodeId: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}
