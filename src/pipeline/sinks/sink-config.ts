import { SluiceError } from '../../core/errors.ts';
import { assertCollection } from '../../core/names.ts';
import { compileRoutingKey, parseRoutingField, type RoutingKeyFn } from './routing-key.ts';
import type { SinkConfig } from './sink-api.ts';
import type { DeadLetter } from './dead-letters.ts';
import { assertBucketCount, DEFAULT_BUCKETS } from './bucket-count.ts';

export interface SinkRunnerOptions {
  /** Credits per writer: records routed to it and not yet written. Default 1000. Memory bound = writers × this. */
  readonly maxQueuedRecords?: number;
  /** Dead letters kept for inspection (newest win); all are counted. Default 100. */
  readonly maxDeadLetters?: number;
  /** Called synchronously for every dead letter, e.g. to persist it; checkpoints move past dead letters. */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Heavy hitters tracked by the top-keys sketch. Default 10. */
  readonly topKeys?: number;
  /** Milliseconds clock for blocked/busy/alignment metrics. Default `performance.now`. */
  readonly now?: () => number;
}

export interface ResolvedSinkConfig {
  readonly name: string;
  readonly checkpointName: string;
  readonly parallelism: number;
  /** Hash routing: canonical key of a record; undefined for `none`. */
  readonly keyOf: RoutingKeyFn | undefined;
  /** Virtual buckets; 1 for `none` (one writer, one bucket) so a later switch to hashing is a bucket-count change. */
  readonly buckets: number;
  readonly rebalance: boolean;
  readonly maxQueuedRecords: number;
  readonly maxDeadLetters: number;
  readonly topKeys: number;
  readonly onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  readonly now: () => number;
}

const MAX_NAME_LENGTH = 251; // the checkpoint name `sink:<name>` must stay within 256 characters

/** The collections a sink is fed (validated), or undefined for every collection. */
/** A dataset's sinks: each with a unique name, and valid collections. `field` names the list in errors. */
export function assertSinkList(sinks: readonly SinkConfig[], field: string): void {
  if (!Array.isArray(sinks)) throw new SluiceError('invalid_options', `${field} must be an array of sink configs.`, { field });
  const names = new Set<string>();
  for (const [i, sink] of sinks.entries()) {
    if (typeof sink?.name !== 'string' || !/^[A-Za-z0-9._~-]{1,100}$/.test(sink.name) || names.has(sink.name)) {
      throw new SluiceError('invalid_options', `${field}[${i}].name must be a unique name of letters, digits, '.', '_', '~' or '-'.`, { field: `${field}[${i}].name` });
    }
    names.add(sink.name);
    sinkCollections(sink, `${field}[${i}].collections`);
  }
}

export function sinkCollections(config: SinkConfig, field = 'collections'): ReadonlySet<string> | undefined {
  const list = config.collections;
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0 || list.length > 1_000) {
    throw invalid(field, `Sink "${config.name}": collections must be a non-empty array of collection names (at most 1000), or left out to feed every collection.`);
  }
  for (const c of list) assertCollectionName(c, field);
  return new Set(list);
}

function assertCollectionName(value: unknown, field: string): void {
  try {
    assertCollection(value);
  } catch (error) {
    throw invalid(field, `${(error as Error).message} (in the sink's collections)`);
  }
}

export function resolveSinkConfig(config: SinkConfig, options: SinkRunnerOptions = {}): ResolvedSinkConfig {
  if (typeof config !== 'object' || config === null) throw invalid('config', 'The sink config must be an object with name and open(writerIndex).');
  const { name } = config;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw invalid('name', `Sink name ${JSON.stringify(name)} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters.`);
  }
  if (typeof config.open !== 'function') throw invalid('open', `Sink "${name}" needs open(writerIndex) returning a SinkWriter.`);
  const parallelism = config.parallelism ?? 1;
  if (!Number.isInteger(parallelism) || parallelism < 1) throw invalid('parallelism', `Sink "${name}": parallelism ${parallelism} must be a positive integer.`);

  const partition = config.partition ?? { strategy: 'none' as const };
  let keyOf: RoutingKeyFn | undefined;
  let buckets = 1;
  if (partition.strategy === 'none') {
    if (parallelism !== 1) {
      throw invalid('parallelism', `Sink "${name}": partition strategy "none" runs exactly one writer, but parallelism is ${parallelism}. Use { strategy: 'hash', fields: ['documentId'] } to run writers in parallel.`);
    }
  } else if (partition.strategy === 'hash') {
    if (!Array.isArray(partition.fields) || partition.fields.length === 0) {
      throw invalid('partition.fields', `Sink "${name}": a hash partition needs non-empty fields, e.g. ['documentId'].`);
    }
    validateRoutingFields(partition.fields);
    keyOf = compileRoutingKey(partition.fields);
    buckets = partition.buckets ?? DEFAULT_BUCKETS;
    assertBucketCount(buckets);
    if (parallelism > buckets) throw invalid('parallelism', `Sink "${name}": parallelism ${parallelism} exceeds the bucket count ${buckets}; some writers would own no bucket. Raise partition.buckets.`);
  } else {
    throw invalid('partition.strategy', `Sink "${name}": unknown partition strategy ${JSON.stringify((partition as { strategy: unknown }).strategy)}; use 'none' or 'hash'.`);
  }

  return {
    name,
    checkpointName: `sink:${name}`,
    parallelism,
    keyOf,
    buckets,
    rebalance: config.rebalance === true,
    maxQueuedRecords: positiveInt(options.maxQueuedRecords, 1000, 'maxQueuedRecords'),
    maxDeadLetters: nonNegativeInt(options.maxDeadLetters, 100, 'maxDeadLetters'),
    topKeys: positiveInt(options.topKeys, 10, 'topKeys'),
    onDeadLetter: options.onDeadLetter,
    now: options.now ?? (() => performance.now()),
  };
}

/**
 * Routing must be a function of the document's identity, because a tombstone has to reach the
 * writer that holds its document, after that document's earlier changes. `documentId` and
 * `collection` are on every record, deletes included, and never change. A `value.*` field is
 * refused: a delete carries no value, and the alternatives are unsound — remembering each
 * document's last routing value in a bounded map loses deletes after eviction or a restart, and
 * broadcasting tombstones lets a slow non-owner apply an old delete after the owner re-created the
 * document. A value can also change between versions, which would move a document between writers.
 * (So `config.schema` has nothing to check: both allowed fields exist on every record.)
 */
export function validateRoutingFields(fields: readonly string[]): void {
  for (const name of fields) {
    const field = parseRoutingField(name);
    if (field.kind === 'value') {
      throw new SluiceError(
        'invalid_options',
        `Routing field ${JSON.stringify(name)} reads the document value, but a delete carries no value, so it could not follow its document to the same writer. Route on "documentId" (optionally with "collection").`,
        { field: name },
      );
    }
  }
}

function positiveInt(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalid(field, `${field} ${value} must be a positive integer.`);
  return value;
}

function nonNegativeInt(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw invalid(field, `${field} ${value} must be a non-negative integer.`);
  return value;
}

function invalid(field: string, message: string): SluiceError {
  return new SluiceError('invalid_options', message, { field });
}
