import type { Chunk } from './chunker.ts';

/**
 * The target of the chunk-index sink: a search or vector index addressed by chunk id, with the
 * document id kept next to each chunk so one document's chunks can be listed. Async because a real
 * index is remote.
 *
 * Contract the sink relies on:
 * - `upsert` overwrites a chunk with the same id (idempotent by chunk id);
 * - `delete` of an id that is not there is a no-op (retried deletes are harmless);
 * - once a call resolves its effect is durable, or `flush` makes it so.
 */
export interface ChunkIndex {
  /** The document's current chunks: chunk id → chunk hash. Empty when the document has none. */
  get(documentId: string): Promise<Map<string, string>>;
  upsert(chunks: readonly Chunk[]): Promise<void>;
  delete(chunkIds: readonly string[]): Promise<void>;
  /** Make every resolved write durable (a buffered remote index would flush here). Optional. */
  flush?(): Promise<void>;
}

export interface ChunkIndexCounters {
  /** `get` calls. */
  reads: number;
  /** `upsert` calls that carried at least one chunk, and the chunks they carried. */
  upsertCalls: number;
  upserts: number;
  /** `delete` calls that carried at least one id, and the ids they carried (present or not). */
  deleteCalls: number;
  deletes: number;
}

/** A stored chunk, as `MemoryChunkIndex.entries()` lists it. */
export interface StoredChunk {
  readonly chunkId: string;
  readonly documentId: string;
  readonly position: number;
  readonly hash: string;
  readonly text: string;
}

/**
 * In-memory `ChunkIndex`. Durable as soon as a call resolves (it survives a writer "crash" because
 * the test keeps the index object and opens a new writer on it, as a remote index would survive).
 */
export class MemoryChunkIndex implements ChunkIndex {
  private readonly chunks = new Map<string, StoredChunk>();
  private readonly byDocument = new Map<string, Set<string>>();
  private readonly counts: ChunkIndexCounters = { reads: 0, upsertCalls: 0, upserts: 0, deleteCalls: 0, deletes: 0 };

  async get(documentId: string): Promise<Map<string, string>> {
    this.counts.reads++;
    const result = new Map<string, string>();
    for (const id of this.byDocument.get(documentId) ?? []) {
      const chunk = this.chunks.get(id);
      if (chunk !== undefined) result.set(id, chunk.hash);
    }
    return result;
  }

  async upsert(chunks: readonly Chunk[]): Promise<void> {
    if (chunks.length === 0) return;
    this.counts.upsertCalls++;
    this.counts.upserts += chunks.length;
    for (const chunk of chunks) {
      const previous = this.chunks.get(chunk.chunkId);
      if (previous !== undefined && previous.documentId !== chunk.documentId) {
        this.byDocument.get(previous.documentId)?.delete(chunk.chunkId);
      }
      this.chunks.set(chunk.chunkId, {
        chunkId: chunk.chunkId,
        documentId: chunk.documentId,
        position: chunk.position,
        hash: chunk.hash,
        text: chunk.text,
      });
      let ids = this.byDocument.get(chunk.documentId);
      if (ids === undefined) {
        ids = new Set();
        this.byDocument.set(chunk.documentId, ids);
      }
      ids.add(chunk.chunkId);
    }
  }

  async delete(chunkIds: readonly string[]): Promise<void> {
    if (chunkIds.length === 0) return;
    this.counts.deleteCalls++;
    this.counts.deletes += chunkIds.length;
    for (const id of chunkIds) {
      const chunk = this.chunks.get(id);
      if (chunk === undefined) continue;
      this.chunks.delete(id);
      const ids = this.byDocument.get(chunk.documentId);
      ids?.delete(id);
      if (ids !== undefined && ids.size === 0) this.byDocument.delete(chunk.documentId);
    }
  }

  async flush(): Promise<void> {}

  /** A copy of the write counters. */
  counters(): ChunkIndexCounters {
    return { ...this.counts };
  }

  /** Every stored chunk, sorted by document id then position (stable for `toEqual`). */
  entries(): StoredChunk[] {
    return [...this.chunks.values()].sort((a, b) =>
      a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : a.position - b.position,
    );
  }

  /** Document ids that have at least one chunk, sorted. */
  documentIds(): string[] {
    return [...this.byDocument.keys()].sort();
  }

  get size(): number {
    return this.chunks.size;
  }
}
