import type { DatasetId } from '../../core/dataset-id.ts';
import type { Hlc } from '../../core/hlc.ts';
import type { JsonValue } from '../../core/json.ts';

/**
 * One applied change as a sink sees it. A delete (tombstone) carries the same collection and key
 * as the document it deletes, so it routes to the same writer.
 */
export interface SinkRecord {
  readonly datasetId: DatasetId;
  readonly collection: string;
  readonly key: string;
  readonly op: 'put' | 'delete';
  /** The document after the change; null for deletes. */
  readonly value: JsonValue | null;
  readonly hlc: Hlc;
  /** The oplog entry's hash: stable across replays, usable as an idempotency key. */
  readonly hash: string;
}

/** Control events are never hashed: every writer gets them, after in-flight data, before later data. */
export type ControlEvent =
  | { readonly type: 'schema'; readonly collection: string; readonly fields: readonly string[] }
  | { readonly type: 'config'; readonly settings: JsonValue }
  | { readonly type: 'flush' };

export interface SinkWriter {
  write(batch: readonly SinkRecord[]): Promise<void>;
  onControl(event: ControlEvent): Promise<void>;
  /** Everything written to this writer before barrier `barrierId` must be durable when this resolves. */
  checkpoint(barrierId: number): Promise<void>;
  close?(): Promise<void>;
}

export type PartitionStrategy =
  | { readonly strategy: 'none' }
  | {
      readonly strategy: 'hash';
      /**
       * What makes the routing key: 'documentId' (the document key) and/or 'collection'. Routing on
       * document content is refused: a tombstone carries none, so it could not follow its document.
       */
      readonly fields: readonly string[];
      /** Virtual buckets, mapped to writers deterministically. Default 128. */
      readonly buckets?: number;
    };

export interface SinkConfig {
  readonly name: string;
  open(writerIndex: number): SinkWriter | Promise<SinkWriter>;
  /** Writers running in parallel. Default 1. */
  readonly parallelism?: number;
  /** Default { strategy: 'none' }: one writer, today's behaviour exactly. */
  readonly partition?: PartitionStrategy;
  /** Declared fields per collection, for sinks that validate what they receive. */
  readonly schema?: Readonly<Record<string, readonly string[]>>;
  /** Allow restoring a checkpoint written with another bucket count. */
  readonly rebalance?: boolean;
  /**
   * Feed only changes of these collections (default: every collection). The others are passed
   * over: never routed, never counted, and they do not hold back pruning for this sink.
   */
  readonly collections?: readonly string[];
}
