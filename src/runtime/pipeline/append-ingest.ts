import { SluiceError } from '../../core/errors.ts';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../../core/json.ts';
import { encodeRecords, type RecordBatch } from '../../pipeline/record-batch.ts';
import type { IngestOutcome } from '../../pipeline/append-buffer.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../store/validation.ts';
import type { OplogStore } from '../../store/oplog-store.ts';
import type { DatasetReplica } from '../../sync/replica.ts';

/**
 * How many of our newest entries a restarted pipeline reads back to learn which batches of a
 * buffer it already stored. A batch is retried only after it failed while in flight, and retries
 * go before new batches, so a retried batch is always among the buffer's last few stored ones.
 */
export const DEDUPE_WINDOW = 4_096;
/** Buffers remembered at once: a node has one buffer per dataset, a page reload makes another. */
const SOURCES_REMEMBERED = 16;
const SOURCE = /^[0-9a-f]{1,32}$/;

/**
 * Stores append batches: encodes each one once (on this pipeline's thread, so the appending thread
 * never serialises), splits a batch the store could not hold in one entry, and stores each part as
 * one chained entry keyed `b-<source>-<firstSeq>`. That key makes ingest idempotent: a batch the
 * buffer sends again (an ingest that failed after storing, a worker that died before answering) is
 * recognised and not stored twice, even by a restarted worker, which reads the keys back from its
 * own newest entries.
 */
export class AppendIngest {
  private readonly stored = new Map<string, Set<number>>();
  private readonly maxPayloadBytes: number;

  constructor(
    private readonly replica: DatasetReplica,
    private readonly oplog: OplogStore,
    maxPayloadBytes: number | undefined,
  ) {
    this.maxPayloadBytes = maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  async store(collection: string, input: unknown): Promise<IngestOutcome> {
    const batch = assertRecordBatch(input);
    const seen = await this.seenOf(batch.source);
    const parts: { records: readonly object[]; firstSeq: number; text: string }[] = [];
    let refused = 0;
    const cut = (records: readonly object[], firstSeq: number): void => {
      const text = encodeRecords(records);
      if (fits(text, this.maxPayloadBytes)) {
        parts.push({ records, firstSeq, text });
      } else if (records.length === 1) {
        refused++;
      } else {
        const half = Math.ceil(records.length / 2);
        cut(records.slice(0, half), firstSeq);
        cut(records.slice(half), firstSeq + half);
      }
    };
    cut(batch.records, batch.firstSeq);
    for (const part of parts) {
      if (seen.has(part.firstSeq)) continue;
      // A record changed after append() could nest deeper than every receiver accepts: refuse the
      // batch here rather than put an entry in our chain that no peer would take.
      if (jsonTextDepth(part.text) > MAX_JSON_DEPTH + 1) {
        throw new SluiceError('payload_too_deep', `An append batch nests deeper than ${MAX_JSON_DEPTH} levels: a record was changed after append(). Do not mutate records once appended.`, { limit: MAX_JSON_DEPTH });
      }
      await this.replica.appendBatch(collection, part.text, `b-${batch.source}-${part.firstSeq}`, part.records.length);
      remember(seen, part.firstSeq);
    }
    return { refused };
  }

  /** The batches of `source` already stored: read back from our newest entries the first time. */
  private async seenOf(source: string): Promise<Set<number>> {
    let seen = this.stored.get(source);
    if (seen) return seen;
    seen = new Set();
    const prefix = `b-${source}-`;
    const found: number[] = [];
    let hash = (await this.oplog.head(this.replica.nodeId))?.hash;
    while (hash !== undefined && hash !== '' && found.length < DEDUPE_WINDOW) {
      const entry = await this.oplog.getByHash(hash);
      // Older entries came from earlier buffers: a buffer's batches are the newest of our chain while it lives.
      if (!entry?.key.startsWith(prefix)) break;
      found.push(Number(entry.key.slice(prefix.length)));
      hash = entry.prevHash;
    }
    for (let i = found.length - 1; i >= 0; i--) seen.add(found[i]!);
    if (this.stored.size >= SOURCES_REMEMBERED) this.stored.delete(this.stored.keys().next().value!);
    this.stored.set(source, seen);
    return seen;
  }
}

function remember(seen: Set<number>, firstSeq: number): void {
  seen.add(firstSeq);
  // Sets iterate in insertion order: the first is the oldest.
  if (seen.size > DEDUPE_WINDOW) seen.delete(seen.values().next().value!);
}

function fits(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return true;
  if (text.length > maxBytes) return false;
  return new TextEncoder().encode(text).length <= maxBytes;
}

/** A batch from the node's buffer, which may arrive over a worker's port: checked before use. */
function assertRecordBatch(input: unknown): RecordBatch {
  const b = input as Partial<RecordBatch> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    !Array.isArray(b.records) ||
    b.records.length === 0 ||
    b.count !== b.records.length ||
    !Number.isSafeInteger(b.firstSeq) ||
    b.firstSeq! < 0 ||
    typeof b.source !== 'string' ||
    !SOURCE.test(b.source)
  ) {
    throw new SluiceError('invalid_payload', 'An append batch must be { records: [...], count, firstSeq, source } as an append buffer cuts it.');
  }
  return b as RecordBatch;
}
