import type { DatasetId } from '../core/dataset-id.ts';
import type { StoredDocument } from '../core/document.ts';
import { SluiceError } from '../core/errors.ts';
import { compareHlc, compareStamp, type Hlc, type HybridClock } from '../core/hlc.ts';
import { createEntry, createEntryFromText, verifyEntryHash, type OplogEntry, type OplogOp } from '../core/oplog-entry.ts';
import type { DatasetKind } from '../core/dataset-options.ts';
import type { ResolverRegistry } from '../core/resolvers/registry.ts';
import { applyEntry } from '../core/resolvers/resolver.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import type { ApplyBatch, DocumentRef } from '../store/document-store.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../store/snapshot-store.ts';
import type { DatasetStore, StorageAdapter } from '../store/storage-adapter.ts';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../core/json.ts';
import { payloadLimitOf } from '../store/validation.ts';
import { syncStoreOf, type SyncStore } from './sync-store.ts';
import { parseRecordBatch } from '../pipeline/record-batch.ts';
import { verifySnapshot, verifySnapshotSignatures } from './snapshot-verification.ts';
import { AuthorKeys, ChainSigner, verifyIncoming, type KeyPolicy } from './signatures.ts';

export interface LocalOp {
  readonly collection: string;
  readonly key: string;
  readonly op: OplogOp;
  readonly value?: unknown;
}

export interface ChangeEvent {
  readonly datasetId: DatasetId;
  readonly origin: 'local' | 'remote' | 'snapshot';
  /** For remote entries: pulled from a hub this node dialed, or pushed to it over an accepted connection. */
  readonly via?: 'dialed' | 'accepted';
  readonly entries: readonly OplogEntry[];
  readonly documents: readonly StoredDocument[];
}

/** Thrown by applyRemote when a batch does not link to what is stored: fetch the missing range. */
export class ChainGapError extends SluiceError {
  constructor(
    readonly author: string,
    /** Our head hash for the author ('' if we have nothing). */
    readonly fromHash: string,
    /** The prevHash the batch expects us to have. */
    readonly toHash: string,
  ) {
    super('chain_broken', `Entries by "${author}" start after ${toHash.slice(0, 12)}…, which this node does not have (its head is ${fromHash ? `${fromHash.slice(0, 12)}…` : 'empty'}). The missing range must be fetched first.`, { author, fromHash, toHash });
  }
}

export interface ApplyOutcome {
  /** Entries that were new here. */
  readonly inserted: number;
  /** Our heads after the apply for every author in the batch: how far we have applied. */
  readonly applied: readonly AuthorHead[];
}

/**
 * One dataset's local state machine: it stamps and chains local writes, and checks and applies
 * remote batches. Every mutation goes through one queue, so an author's chain is extended by one
 * writer at a time and a remote apply never interleaves with a local write.
 */
export class DatasetReplica {
  readonly datasetId: DatasetId;
  readonly nodeId: string;
  /** The dataset's own store: nothing reached through it touches another dataset. */
  private readonly store: DatasetStore;
  private readonly clock: HybridClock;
  private readonly resolvers: ResolverRegistry;
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  /** Remote batches refused for a different entry at a position already held (see assertKnown). */
  timestampConflicts = 0;
  /** Append datasets: records stored since open, ours and our peers'. */
  recordsStored = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private ownHead = '';
  /**
   * Every author's head, kept in memory: heads move only through this replica (writes, appends,
   * applies, imports), so live delivery decides "behind?" and "what is new?" without a storage read,
   * which in a browser is an IndexedDB transaction each. A storage that other processes write too
   * (`describe().sharedWriters`) is read every time instead.
   */
  private readonly headCache: Map<string, AuthorHead> | undefined;
  /** The storage's payload limit: local writes are refused while serialising once over it. */
  readonly maxPayloadBytes: number | undefined;
  /** Append datasets keep no documents: records are immutable and the oplog is the data. */
  readonly kind: DatasetKind;
  /** Signing on: our batches are signed, and remote entries are applied only under a valid signature. */
  readonly signing: boolean;
  private ownSigner: ChainSigner | undefined;
  readonly authorKeys: AuthorKeys;
  private readonly syncView: SyncStore;
  /**
   * Other processes write this storage too: documents are resolved inside the storage's write
   * transaction, against rows no other hub can change until it commits (ApplyBatch.resolveDocuments).
   */
  private readonly sharedWriters: boolean;

  constructor(options: { datasetId: DatasetId; storage: StorageAdapter; clock: HybridClock; resolvers: ResolverRegistry; kind?: DatasetKind; signing?: boolean }) {
    this.datasetId = options.datasetId;
    this.signing = options.signing ?? true;
    this.store = options.storage.open(options.datasetId);
    this.authorKeys = new AuthorKeys(this.store.checkpoints);
    this.kind = options.kind ?? 'documents';
    this.syncView = syncStoreOf(this.store);
    const shared = options.storage.describe?.()?.sharedWriters === true;
    this.headCache = shared ? undefined : new Map();
    this.sharedWriters = shared;
    this.maxPayloadBytes = payloadLimitOf(options.storage);
    this.clock = options.clock;
    this.resolvers = options.resolvers;
    this.nodeId = options.clock.nodeId;
  }

  /** Restores the clock and our chain head from storage; call once before use. */
  async open(): Promise<void> {
    await this.serial(async () => {
      await this.refreshHeads();
      if (this.signing) this.ownSigner = await ChainSigner.open(this.nodeId, this.store.checkpoints);
    });
  }

  /** Signs the heads of the batches this node sends of its own entries; undefined when signing is off. */
  get signer(): ChainSigner | undefined {
    return this.ownSigner;
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The dataset's storage as sync sees it: reads and peer watermarks, bound to this dataset. */
  get view(): SyncStore {
    return this.syncView;
  }

  /** Stamps, chains and stores local changes as one atomic batch. */
  write(ops: readonly LocalOp[]): Promise<OplogEntry[]> {
    return this.serial(async () => {
      if (this.kind === 'append') {
        throw new SluiceError('invalid_options', `Dataset "${this.datasetId}" is an append dataset: add records with dataset("${this.datasetId}").append(), documents live in documents datasets.`);
      }
      if (ops.length === 0) return [];
      const entries: OplogEntry[] = [];
      let prev = this.ownHead;
      for (const op of ops) {
        const entry = createEntry({ datasetId: this.datasetId, collection: op.collection, key: op.key, op: op.op, value: op.value, hlc: this.clock.tick(), prevHash: prev, ...(this.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: this.maxPayloadBytes }) });
        entries.push(entry);
        prev = entry.hash;
      }
      await this.signForOtherWriters(entries);
      const { batch, documents } = await this.resolvedBatch(entries);
      await this.store.documents.applyBatch(batch);
      this.advanceHeads(entries);
      this.ownHead = prev;
      this.emit({ datasetId: this.datasetId, origin: 'local', entries, documents: documents() });
      return entries;
    });
  }

  /** Stores one batch of append records (JSON array text) as one chained entry under `key`. */
  appendBatch(collection: string, payloadText: string, key: string, records: number): Promise<OplogEntry> {
    return this.serial(async () => {
      const hlc = this.clock.tick();
      const entries = [createEntryFromText({ datasetId: this.datasetId, collection, key, payloadText, hlc, prevHash: this.ownHead })];
      await this.signForOtherWriters(entries);
      const entry = entries[0]!;
      await this.store.documents.applyBatch({ documents: [], entries: [entry] });
      this.advanceHeads([entry]);
      this.ownHead = entry.hash;
      this.recordsStored += records;
      this.emit({ datasetId: this.datasetId, origin: 'local', entries: [entry], documents: [] });
      return entry;
    });
  }

  /**
   * Checks and applies entries from a peer, atomically. Rejects the whole batch on a bad hash
   * (`hash_mismatch`), a broken link inside the batch (`chain_broken`), a timestamp too far ahead
   * (`clock_drift`), a batch that does not link to our head (`ChainGapError`), or, with signing on,
   * new entries of an author that do not end at a valid signature by a key `policy` accepts
   * (`bad_signature`).
   */
  applyRemote(entries: readonly OplogEntry[], policy: KeyPolicy): Promise<ApplyOutcome> {
    return this.serial(async () => {
      const recordCounts = new Map<string, number>();
      for (const e of entries) {
        if (e.datasetId !== this.datasetId) {
          throw new SluiceError('dataset_mismatch', `Entry ${e.hash} of dataset "${e.datasetId}" was sent to dataset "${this.datasetId}".`);
        }
        if (!verifyEntryHash(e)) {
          throw new SluiceError('hash_mismatch', `Entry ${e.hash} by "${e.hlc.nodeId}" does not match its content: the batch was rejected. The peer's data is corrupt or was tampered with.`, { hash: e.hash });
        }
        // Depth before anything recursive (a resolver, a parser) touches the payload; an append
        // batch's is checked with its records.
        if (this.kind === 'append') {
          recordCounts.set(e.hash, assertRecordEntry(e));
          continue;
        }
        if (e.payload !== null && jsonTextDepth(e.payload) > MAX_JSON_DEPTH) {
          throw new SluiceError('payload_too_deep', `Entry ${e.hash} by "${e.hlc.nodeId}" nests deeper than ${MAX_JSON_DEPTH} levels: the batch was rejected.`, { hash: e.hash, limit: MAX_JSON_DEPTH });
        }
      }
      let fresh = await this.unseen(entries);
      if (fresh.length === 0) return { inserted: 0, applied: await this.headsOf(entries) };
      const verified = this.signing ? await verifyIncoming(fresh, policy) : undefined;
      if (verified) fresh = verified.entries;
      let newest = fresh[0]!.hlc;
      for (const e of fresh) if (compareHlc(e.hlc, newest) > 0) newest = e.hlc;
      this.clock.receive(newest);
      const { batch, documents } = this.kind === 'append' ? { batch: { documents: [], entries: fresh }, documents: () => [] } : await this.resolvedBatch(fresh);
      const result = await this.store.documents.applyBatch(batch);
      this.advanceHeads(fresh);
      for (const e of fresh) this.recordsStored += recordCounts.get(e.hash) ?? 0;
      for (const [author, key] of verified?.learned ?? []) await this.authorKeys.pin(author, key);
      const own = fresh.filter((e) => e.hlc.nodeId === this.nodeId);
      if (own.length > 0) this.ownHead = own[own.length - 1]!.hash;
      this.emit({ datasetId: this.datasetId, origin: 'remote', via: policy.kind === 'vouched' ? 'dialed' : 'accepted', entries: fresh, documents: documents() });
      return { inserted: result.entriesInserted, applied: await this.headsOf(entries) };
    });
  }

  /** Imports a peer's snapshot; merge folds documents through the collection's resolver. */
  importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    return this.serial(async () => {
      verifySnapshot(snapshot, this.clock, this.kind, (collection) => this.resolvers.for(collection));
      if (this.signing) snapshot = await verifySnapshotSignatures(snapshot);
      await this.store.snapshots.import(snapshot, {
        mode,
        mergeDocument: (local, incoming) => this.resolvers.for(local.collection).merge(local, incoming),
      });
      await this.refreshHeads();
      this.emit({ datasetId: this.datasetId, origin: 'snapshot', entries: [], documents: snapshot.documents });
    });
  }

  /** The vector clock: one head per author, sorted by node id. */
  async heads(): Promise<AuthorHead[]> {
    if (!this.headCache) return this.store.oplog.heads();
    return [...this.headCache.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  /** The newest entry held from `author`, or undefined. */
  async headOf(author: string): Promise<AuthorHead | undefined> {
    return this.headCache ? this.headCache.get(author) : this.store.oplog.head(author);
  }

  /** Entries just stored: each author's head moves to its newest one (heads never move back). */
  private advanceHeads(entries: readonly OplogEntry[]): void {
    if (!this.headCache) return;
    for (const e of entries) {
      const known = this.headCache.get(e.hlc.nodeId);
      if (known === undefined || compareHlc(e.hlc, known.hlc) > 0) this.headCache.set(e.hlc.nodeId, { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash });
    }
  }

  /**
   * Per author: sorted, linked inside the batch, and linked to our head. Entries at or before our
   * head are already here (we never store an author's entry without its predecessors) and are dropped.
   */
  private async unseen(entries: readonly OplogEntry[]): Promise<OplogEntry[]> {
    const byAuthor = new Map<string, OplogEntry[]>();
    for (const e of entries) {
      const list = byAuthor.get(e.hlc.nodeId);
      if (list) list.push(e);
      else byAuthor.set(e.hlc.nodeId, [e]);
    }
    const fresh: OplogEntry[] = [];
    const heads = new Map(await Promise.all([...byAuthor.keys()].map(async (author) => [author, await this.headOf(author)] as const)));
    for (const [author, list] of byAuthor) {
      list.sort((a, b) => compareHlc(a.hlc, b.hlc));
      for (let i = 1; i < list.length; i++) {
        if (list[i]!.prevHash !== list[i - 1]!.hash) {
          throw new SluiceError('chain_broken', `Entries by "${author}" do not link: ${list[i]!.hash.slice(0, 12)}… does not follow ${list[i - 1]!.hash.slice(0, 12)}…. The batch was rejected.`, { author });
        }
      }
      const head = heads.get(author);
      const start = head === undefined ? 0 : list.findIndex((e) => afterWithinAuthor(e.hlc, head.hlc));
      await this.assertKnown(author, start < 0 ? list : list.slice(0, start));
      if (start < 0) continue;
      const first = list[start]!;
      // The first new entry must extend the author's head (heads survive pruning). Linking to any
      // other entry, even one we hold, would fork the author's chain: the missing range is fetched
      // instead, and a fork fails there.
      const expected = head?.hash ?? '';
      if (first.prevHash !== expected) throw new ChainGapError(author, expected, first.prevHash);
      fresh.push(...list.slice(start));
    }
    return fresh;
  }

  /**
   * Entries at or before our head for their author must be the ones we hold: a different entry at a
   * position we already have (same author, an earlier timestamp) would be dropped as "already seen"
   * and acknowledged. It is refused instead, and counted. Below the author's prune boundary there is
   * nothing left to compare with.
   */
  private async assertKnown(author: string, seen: readonly OplogEntry[]): Promise<void> {
    let boundary: Hlc | null | undefined;
    for (const e of seen) {
      if ((await this.store.oplog.getByHash(e.hash)) !== undefined) continue;
      boundary ??= (await this.store.oplog.boundary(author))?.hlc ?? null;
      if (boundary !== null && !afterWithinAuthor(e.hlc, boundary)) continue;
      this.timestampConflicts++;
      throw new SluiceError(
        'timestamp_conflict',
        `Entry ${e.hash.slice(0, 12)}… by "${author}" at ${e.hlc.wall}:${e.hlc.logic} differs from the entry this node holds at that point of the author's chain: the batch was rejected. The author's history was forked or forged.`,
        { author, hash: e.hash, wall: e.hlc.wall, logic: e.hlc.logic },
      );
    }
  }

  private async headsOf(entries: readonly OplogEntry[]): Promise<AuthorHead[]> {
    // All at once: over shared storage each is a query, and they then share one round trip.
    const authors = [...new Set(entries.map((e) => e.hlc.nodeId))];
    const heads = await Promise.all(authors.map((author) => this.headOf(author)));
    return heads.filter((h): h is AuthorHead => h !== undefined);
  }

  /**
   * Over shared storage, other processes (the other hubs) serve our entries to their peers straight
   * from storage, without our key: the last entry of each local batch is stored signed, so what
   * they send ends at a signature like any batch we send ourselves.
   */
  private async signForOtherWriters(entries: OplogEntry[]): Promise<void> {
    if (!this.sharedWriters || this.ownSigner === undefined || entries.length === 0) return;
    entries[entries.length - 1] = await this.ownSigner.sign(entries[entries.length - 1]!);
  }

  /**
   * The batch that stores `entries` with the documents they resolve to, and those documents once
   * it committed. Over shared storage the resolving happens inside the storage's transaction.
   */
  private async resolvedBatch(entries: readonly OplogEntry[]): Promise<{ batch: ApplyBatch; documents: () => StoredDocument[] }> {
    if (!this.sharedWriters) {
      const documents = await this.resolve(entries);
      return { batch: { documents, entries }, documents: () => documents };
    }
    const refs = refsOf(entries);
    let resolved: StoredDocument[] = [];
    const resolveDocuments = { refs, resolve: (stored: readonly (StoredDocument | undefined)[]) => (resolved = this.fold(refs, stored, entries)) };
    return { batch: { documents: [], entries, resolveDocuments }, documents: () => resolved };
  }

  /** Folds entries into the stored documents through each collection's resolver. */
  private async resolve(entries: readonly OplogEntry[]): Promise<StoredDocument[]> {
    const refs = refsOf(entries);
    return this.fold(refs, await this.store.documents.getMany(refs), entries);
  }

  /** `stored` holds one slot per ref: the documents the entries fold into. */
  private fold(refs: readonly DocumentRef[], stored: readonly (StoredDocument | undefined)[], entries: readonly OplogEntry[]): StoredDocument[] {
    const docs = new Map<string, StoredDocument | undefined>();
    refs.forEach((r, i) => docs.set(refKey(r.collection, r.key), stored[i]));
    for (const e of entries) {
      const k = refKey(e.collection, e.key);
      docs.set(k, applyEntry(this.resolvers.for(e.collection), docs.get(k), e));
    }
    return [...docs.values()].filter((d): d is StoredDocument => d !== undefined);
  }

  private async refreshHeads(): Promise<void> {
    const heads = await this.store.oplog.heads();
    if (this.headCache) {
      this.headCache.clear();
      for (const h of heads) this.headCache.set(h.nodeId, h);
    }
    let newest: Hlc | undefined;
    for (const h of heads) if (newest === undefined || compareHlc(h.hlc, newest) > 0) newest = h.hlc;
    if (newest) this.clock.restore(newest);
    this.ownHead = heads.find((h) => h.nodeId === this.nodeId)?.hash ?? '';
  }

  private emit(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug must not undo or block a committed write.
      }
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** An append dataset holds record batches only: a put whose payload is a JSON array of records. */
/** Checks an append entry's records and returns how many it holds. */
function assertRecordEntry(e: OplogEntry): number {
  if (e.op !== 'put' || e.payload === null) {
    throw new SluiceError('invalid_payload', `Entry ${e.hash} by "${e.hlc.nodeId}" is a ${e.op} without records: an append dataset holds record batches only. The batch was rejected.`, { hash: e.hash });
  }
  return parseRecordBatch(e.payload, `append batch ${e.hash.slice(0, 12)}… by "${e.hlc.nodeId}"`).length;
}

function refKey(collection: string, key: string): string {
  return `${collection}\u0000${key}`;
}

/** Each document the entries touch, once. */
function refsOf(entries: readonly OplogEntry[]): DocumentRef[] {
  const refs = new Map<string, DocumentRef>();
  for (const e of entries) refs.set(refKey(e.collection, e.key), { collection: e.collection, key: e.key });
  return [...refs.values()];
}

function afterWithinAuthor(t: Hlc, from: Hlc): boolean {
  return compareStamp(t, from) > 0;
}
