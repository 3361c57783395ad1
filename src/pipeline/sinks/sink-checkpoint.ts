import { SluiceError } from '../../core/errors.ts';
import { canonicalJson, isPlainObject, type JsonValue } from '../../core/json.ts';
import type { CheckpointStore } from '../../store/checkpoint-store.ts';
import type { ResolvedSinkConfig } from './sink-config.ts';

/**
 * The durable state of a sink, stored as `sink:<name>` per dataset. `barrier` is the last barrier
 * every writer acknowledged; everything pushed before it is durable in the writers. `buckets` pins
 * the key → bucket mapping; `position` is the caller's source position at that barrier, from which
 * it replays after a crash.
 */
export interface SinkCheckpoint {
  readonly barrier: number;
  readonly buckets: number;
  readonly position: JsonValue;
}

export async function loadSinkCheckpoint(store: CheckpointStore, config: ResolvedSinkConfig): Promise<SinkCheckpoint | undefined> {
  const raw = await store.get(config.checkpointName);
  if (raw === undefined) return undefined;
  const checkpoint = parseSinkCheckpoint(raw, config);
  if (checkpoint.buckets !== config.buckets && !config.rebalance) {
    throw new SluiceError(
      'invalid_options',
      `Sink "${config.name}" has a checkpoint written with ${checkpoint.buckets} buckets but is configured with ${config.buckets}: keys would map to other buckets and writers. Keep partition.buckets at ${checkpoint.buckets}, or pass rebalance: true in the sink config to accept the new mapping.`,
      { field: 'partition.buckets', stored: checkpoint.buckets, configured: config.buckets },
    );
  }
  return checkpoint;
}

function parseSinkCheckpoint(raw: JsonValue, config: ResolvedSinkConfig): SinkCheckpoint {
  if (
    isPlainObject(raw) &&
    Number.isInteger(raw.barrier) &&
    (raw.barrier as number) >= 0 &&
    Number.isInteger(raw.buckets) &&
    (raw.buckets as number) >= 1 &&
    Object.hasOwn(raw, 'position')
  ) {
    return { barrier: raw.barrier as number, buckets: raw.buckets as number, position: raw.position as JsonValue };
  }
  throw new SluiceError(
    'invalid_payload',
    `The stored checkpoint "${config.checkpointName}" is not { barrier, buckets, position }. Delete it to start this sink from scratch.`,
    { name: config.checkpointName },
  );
}

/** A detached JSON copy: the store needs JSON, and a caller mutating its object later must not change the checkpoint. */
export function checkpointPosition(position: unknown): JsonValue {
  if (position === undefined) throw new SluiceError('invalid_payload', 'barrier(position) needs the source position to replay from (JSON; null if there is none).');
  return JSON.parse(canonicalJson(position)) as JsonValue;
}

/**
 * Writes checkpoints one at a time, in barrier order, and never moves backwards: a later barrier
 * covers everything an earlier one did, so an earlier one finishing last must not overwrite it.
 */
export class CheckpointLog {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: CheckpointStore,
    private readonly name: string,
    private durable: SinkCheckpoint | undefined,
  ) {}

  get last(): SinkCheckpoint | undefined {
    return this.durable;
  }

  persist(checkpoint: SinkCheckpoint): Promise<void> {
    const write = this.chain.then(async () => {
      if (this.durable && this.durable.barrier >= checkpoint.barrier) return;
      await this.store.set(this.name, { barrier: checkpoint.barrier, buckets: checkpoint.buckets, position: checkpoint.position });
      this.durable = checkpoint;
    });
    this.chain = write.catch(() => {});
    return write;
  }

  /** Resolves once every write started so far has settled. */
  idle(): Promise<void> {
    return this.chain;
  }
}
