import { SluiceError, type ControlEvent, type JsonValue, type PartitionStrategy, type SinkConfig, type SinkRecord, type SinkWriter } from 'sluice';
import type { ChunkIndex } from './chunk-index.ts';
import { DEFAULT_CHUNK_SIZE, assertChunkSize, chunkDocument } from './chunker.ts';

/**
 * Demo sink: keeps a chunk index (search / vector index style) consistent with the documents of a
 * collection under edits and deletes.
 *
 * A writer owns whole documents: the sink routes by document id (the record key), so every change
 * of a document reaches the same writer, in order. Per record the writer
 * - put: chunks the document's text (see `chunker.ts`), reads the document's current chunks from
 *   the index, upserts the chunks that are new or whose hash changed, then deletes the chunk ids
 *   under the document that this version did not emit (stale). An unchanged document writes nothing.
 * - delete (tombstone): deletes every chunk of the document.
 *
 * Idempotent under replay: the index state a record leaves behind for its document depends only on
 * that record (chunk ids are positional, upserts overwrite by id, stale chunks are computed from
 * the index, deletes of missing ids are no-ops). Replaying records from a checkpoint, or running
 * one twice, ends in the same index as a run without failure, with no duplicate or orphan chunks.
 * Upserts run before stale deletes, so a document stays searchable while it is rewritten; a crash
 * between the two leaves stale chunks that the replayed record removes.
 */

export const DEFAULT_TEXT_FIELD = 'text';

export interface ChunkIndexWriterOptions {
  readonly index: ChunkIndex;
  /** Top-level field of `SinkRecord.value` that holds the text. Default `text`. */
  readonly textField?: string;
  /** Maximum chunk length in code points. Default 200. */
  readonly chunkSize?: number;
  /** Only index records of this collection; others are counted as ignored. Default: every collection. */
  readonly collection?: string;
}

export interface ChunkIndexWriterStats {
  readonly writerIndex: number;
  /** Document records applied: puts + tombstones. */
  readonly documentsProcessed: number;
  readonly puts: number;
  readonly tombstones: number;
  /** Puts whose chunks all matched the index: zero writes. */
  readonly unchangedDocuments: number;
  readonly chunksUpserted: number;
  readonly chunksDeleted: number;
  /** Chunks emitted by a put whose hash already matched the index. */
  readonly chunksSkipped: number;
  /** Records of another collection (see `collection`). */
  readonly recordsIgnored: number;
  readonly controlEvents: number;
  readonly lastBarrier: number | null;
}

type MutableStats = { -readonly [K in keyof ChunkIndexWriterStats]: ChunkIndexWriterStats[K] };

export class ChunkIndexWriter implements SinkWriter {
  /** Control events in arrival order (for tests and the demo page). */
  readonly controlEvents: ControlEvent[] = [];
  /** Barrier ids acknowledged by `checkpoint`, in order. */
  readonly barriers: number[] = [];

  private readonly index: ChunkIndex;
  private readonly textField: string;
  private readonly chunkSize: number;
  private readonly collection: string | undefined;
  private readonly counts: MutableStats;
  private tail: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | undefined;
  private closed = false;

  constructor(writerIndex: number, options: ChunkIndexWriterOptions) {
    this.index = options.index;
    this.textField = options.textField ?? DEFAULT_TEXT_FIELD;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.collection = options.collection;
    assertTextField(this.textField);
    assertChunkSize(this.chunkSize);
    this.counts = {
      writerIndex,
      documentsProcessed: 0,
      puts: 0,
      tombstones: 0,
      unchangedDocuments: 0,
      chunksUpserted: 0,
      chunksDeleted: 0,
      chunksSkipped: 0,
      recordsIgnored: 0,
      controlEvents: 0,
      lastBarrier: null,
    };
  }

  /** Applies the records one after another, in batch order. */
  write(batch: readonly SinkRecord[]): Promise<void> {
    return this.enqueue(async () => {
      for (const record of batch) await this.apply(record);
    });
  }

  onControl(event: ControlEvent): Promise<void> {
    return this.enqueue(async () => {
      this.controlEvents.push(event);
      this.counts.controlEvents++;
      if (event.type === 'flush') await this.index.flush?.();
    });
  }

  /**
   * Resolves once every record written before the barrier is durable. Calls are serialised, so all
   * earlier writes have resolved; the index is flushed if it buffers. A writer whose earlier write
   * failed never acknowledges a barrier.
   */
  checkpoint(barrierId: number): Promise<void> {
    return this.enqueue(async () => {
      await this.index.flush?.();
      this.barriers.push(barrierId);
      this.counts.lastBarrier = barrierId;
    });
  }

  async close(): Promise<void> {
    await this.tail;
    this.closed = true;
  }

  stats(): ChunkIndexWriterStats {
    return { ...this.counts };
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) {
        throw new SluiceError('store_closed', `Chunk-index writer ${this.counts.writerIndex} is closed; open a new writer.`);
      }
      if (this.failure !== undefined) {
        throw new SluiceError(
          'storage_failure',
          `Chunk-index writer ${this.counts.writerIndex} failed earlier; open a new writer and replay from the last checkpoint.`,
          { writerIndex: this.counts.writerIndex },
          { cause: this.failure.error },
        );
      }
      try {
        await work();
      } catch (error) {
        this.failure ??= { error };
        throw error;
      }
    };
    const result = this.tail.then(run);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async apply(record: SinkRecord): Promise<void> {
    if (this.collection !== undefined && record.collection !== this.collection) {
      this.counts.recordsIgnored++;
      return;
    }
    const documentId = record.key;
    const current = await this.index.get(documentId);
    if (record.op === 'delete') {
      const ids = [...current.keys()];
      if (ids.length > 0) await this.index.delete(ids);
      this.counts.tombstones++;
      this.counts.documentsProcessed++;
      this.counts.chunksDeleted += ids.length;
      return;
    }
    const chunks = chunkDocument(documentId, textOf(record.value, this.textField), { chunkSize: this.chunkSize });
    const changed = chunks.filter((chunk) => current.get(chunk.chunkId) !== chunk.hash);
    const emitted = new Set(chunks.map((chunk) => chunk.chunkId));
    const stale = [...current.keys()].filter((id) => !emitted.has(id));
    if (changed.length > 0) await this.index.upsert(changed);
    if (stale.length > 0) await this.index.delete(stale);
    this.counts.puts++;
    this.counts.documentsProcessed++;
    this.counts.chunksUpserted += changed.length;
    this.counts.chunksDeleted += stale.length;
    this.counts.chunksSkipped += chunks.length - changed.length;
    if (changed.length === 0 && stale.length === 0) this.counts.unchangedDocuments++;
  }
}

/** The document's text; a missing or non-string field is empty text (no chunks, so old ones go). */
function textOf(value: JsonValue | null, field: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
  const text = value[field];
  return typeof text === 'string' ? text : '';
}

export interface ChunkIndexSinkOptions extends ChunkIndexWriterOptions {
  /** Default `chunk-index`. */
  readonly name?: string;
  /** Writers in parallel. Default 1. */
  readonly parallelism?: number;
  /** Virtual buckets for hash routing. Default: the router's default. */
  readonly buckets?: number;
}

export interface ChunkIndexSink extends SinkConfig {
  readonly parallelism: number;
  readonly partition: PartitionStrategy;
  open(writerIndex: number): ChunkIndexWriter;
  /** The writer last opened at `writerIndex`, if any. */
  writer(writerIndex: number): ChunkIndexWriter | undefined;
  /** Stats of the writers last opened, by writer index. */
  stats(): ChunkIndexWriterStats[];
}

/**
 * The chunk-index sink: hash-routed by document id, so one writer owns each document. All writers
 * share `index` (one search index, many writers, disjoint documents).
 */
export function chunkIndexSink(options: ChunkIndexSinkOptions): ChunkIndexSink {
  const parallelism = options.parallelism ?? 1;
  assertPositiveInteger('parallelism', parallelism);
  if (options.buckets !== undefined) assertPositiveInteger('buckets', options.buckets);
  assertTextField(options.textField ?? DEFAULT_TEXT_FIELD);
  assertChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);

  const partition: PartitionStrategy =
    options.buckets === undefined
      ? { strategy: 'hash', fields: ['documentId'] }
      : { strategy: 'hash', fields: ['documentId'], buckets: options.buckets };
  const writers = new Map<number, ChunkIndexWriter>();
  const writerOptions: ChunkIndexWriterOptions = {
    index: options.index,
    ...(options.textField === undefined ? {} : { textField: options.textField }),
    ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
    ...(options.collection === undefined ? {} : { collection: options.collection }),
  };

  return {
    name: options.name ?? 'chunk-index',
    parallelism,
    partition,
    // Only the indexed collection reaches the writers, so routing metrics show its documents alone.
    ...(options.collection === undefined ? {} : { collections: [options.collection] }),
    open(writerIndex: number): ChunkIndexWriter {
      if (!Number.isInteger(writerIndex) || writerIndex < 0 || writerIndex >= parallelism) {
        throw new SluiceError('invalid_options', `Writer index ${String(writerIndex)} is outside 0..${parallelism - 1}.`, {
          writerIndex,
          parallelism,
        });
      }
      const writer = new ChunkIndexWriter(writerIndex, writerOptions);
      writers.set(writerIndex, writer);
      return writer;
    },
    writer(writerIndex: number): ChunkIndexWriter | undefined {
      return writers.get(writerIndex);
    },
    stats(): ChunkIndexWriterStats[] {
      return [...writers.entries()].sort(([a], [b]) => a - b).map(([, writer]) => writer.stats());
    },
  };
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new SluiceError('invalid_options', `${name} must be a positive integer, got ${String(value)}.`, { [name]: value });
  }
}

function assertTextField(field: string): void {
  if (typeof field !== 'string' || field.length === 0) {
    throw new SluiceError('invalid_options', 'textField must be a non-empty field name.', { textField: field });
  }
}
