import { SluiceError, type SluiceErrorCode } from '../../core/errors.ts';
import type { CheckpointStore } from '../../store/checkpoint-store.ts';
import { DeadLetters } from './dead-letters.ts';
import { PartitionRouter } from './partition-router.ts';
import type { ControlEvent, SinkConfig, SinkRecord, SinkWriter } from './sink-api.ts';
import { checkpointPosition, CheckpointLog, loadSinkCheckpoint, type SinkCheckpoint } from './sink-checkpoint.ts';
import { resolveSinkConfig, type ResolvedSinkConfig, type SinkRunnerOptions } from './sink-config.ts';
import { skewOf, type SinkMetrics } from './sink-metrics.ts';
import { WriterLane, type WriterOperation } from './writer-lane.ts';

export type { SinkRunnerOptions } from './sink-config.ts';
export type { SinkCheckpoint } from './sink-checkpoint.ts';

/** Not yet in SluiceErrorCode: a sink writer threw, so the sink must be reopened and replayed. */
export const SINK_FAILED = 'sink_failed' as SluiceErrorCode;

/*
 * Runs one dataset sink: N writers fed through bounded queues, records routed by key at the source.
 *
 * - push(records): routes every record to one writer (hash: key → bucket → writer; none: writer 0)
 *   and queues it there, preserving push order per writer and hence per key. Resolves when all its
 *   records are queued; a writer without credit makes it wait. Await it before pushing more: each
 *   unresolved push holds its records. Batches larger than a writer's credit are cut to fit.
 * - control(event): queued on every writer behind the data already pushed; resolves when every
 *   writer handled it. Control events are never routed or hashed.
 * - barrier(position): barrier n = last id + 1, queued on every writer like a control event and
 *   passed to writer.checkpoint(n). When every writer has acknowledged, `{ barrier: n, buckets,
 *   position }` is written to the checkpoint store; only then does it resolve with n.
 * - A writer that throws stops its lane: what was queued for it is abandoned, and this push,
 *   control or barrier and every later one reject with the same `sink_failed` error; the checkpoint
 *   does not advance past it. Recovery: close() (releases the writers, rethrows the failure), open
 *   the sink again and replay the source from checkpoint().position. Writers must therefore be
 *   idempotent for records after the last durable barrier.
 * - close(): lets every writer drain, closes writers, and rejects later calls with `store_closed`.
 */
export class SinkRunner {
  private readonly lanes: WriterLane[];
  private readonly router: PartitionRouter;
  private readonly deadLetters: DeadLetters;
  private readonly log: CheckpointLog;
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextBarrier: number;
  private alignmentMs: number | undefined;
  private failure: SluiceError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly config: ResolvedSinkConfig,
    private readonly writers: readonly SinkWriter[],
    store: CheckpointStore,
    durable: SinkCheckpoint | undefined,
  ) {
    this.deadLetters = new DeadLetters(config.maxDeadLetters, config.onDeadLetter);
    this.router = new PartitionRouter(writers.length, config.buckets, config.keyOf, this.deadLetters, config.topKeys);
    this.log = new CheckpointLog(store, config.checkpointName, durable);
    this.nextBarrier = (durable?.barrier ?? 0) + 1;
    this.lanes = writers.map(
      (writer, i) => new WriterLane(i, writer, config.maxQueuedRecords, config.now, (lane, operation, cause) => this.writerFailed(lane, operation, cause)),
    );
  }

  /**
   * `checkpoints` are the dataset's (see DatasetStore). Validates the config, loads the durable checkpoint (refusing a different bucket count unless
   * `rebalance: true`), and only then opens the writers.
   */
  static async open(config: SinkConfig, checkpoints: CheckpointStore, options?: SinkRunnerOptions): Promise<SinkRunner> {
    const resolved = resolveSinkConfig(config, options);
    const durable = await loadSinkCheckpoint(checkpoints, resolved);
    const writers = await openWriters(config, resolved);
    return new SinkRunner(resolved, writers, checkpoints, durable);
  }

  async push(records: readonly SinkRecord[]): Promise<void> {
    this.assertUsable();
    if (!Array.isArray(records)) throw new SluiceError('invalid_payload', `push() takes an array of SinkRecords, got ${typeof records}.`);
    const shares = this.router.route(records);
    const admitted: Promise<void>[] = [];
    const limit = this.config.maxQueuedRecords;
    shares.forEach((share, writer) => {
      for (let start = 0; start < share.records.length; start += limit) {
        const end = Math.min(start + limit, share.records.length);
        let bytes = 0;
        for (let i = start; i < end; i++) bytes += share.sizes[i]!;
        admitted.push(this.lanes[writer]!.write(share.records.slice(start, end), bytes));
      }
    });
    await this.settle(admitted);
  }

  async control(event: ControlEvent): Promise<void> {
    this.assertUsable();
    assertControlEvent(event);
    // Queued on every lane before the first await, so it sits between earlier and later pushes.
    // Each writer gets its own copy: one writer mutating the event cannot change what another sees.
    const handled = this.lanes.map((lane) => lane.control(structuredClone(event)));
    await this.track(this.settle(handled));
  }

  async barrier(position: unknown): Promise<number> {
    this.assertUsable();
    const json = checkpointPosition(position);
    const id = this.nextBarrier++;
    const acks = this.lanes.map((lane) => lane.barrier(id));
    return this.track(
      (async () => {
        const ackTimes = await this.settle(acks);
        this.alignmentMs = Math.max(...ackTimes) - Math.min(...ackTimes);
        await this.log.persist({ barrier: id, buckets: this.config.buckets, position: json });
        return id;
      })(),
    );
  }

  /** The last durable checkpoint: replay the source from its `position` after a crash. */
  checkpoint(): SinkCheckpoint | undefined {
    return this.log.last;
  }

  metrics(): SinkMetrics {
    return {
      name: this.config.name,
      strategy: this.config.keyOf ? 'hash' : 'none',
      bucketCount: this.config.buckets,
      writers: this.lanes.map((lane) => ({ writer: lane.index, capacity: this.config.maxQueuedRecords, ...lane.counters() })),
      buckets: this.router.bucketMetrics(),
      bucketsWithTraffic: this.router.bucketCounts().filter((n) => n > 0).length,
      skew: skewOf(this.router.bucketCounts()),
      topKeys: this.router.topKeys(),
      pushed: this.router.pushed,
      deadLettered: this.deadLetters.count,
      deadLetters: this.deadLetters.list(),
      lastBarrier: this.nextBarrier - 1,
      durableBarrier: this.log.last?.barrier,
      lastBarrierAlignmentMs: this.alignmentMs,
      failed: this.failure !== undefined,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const lane of this.lanes) lane.close();
    await Promise.all(this.lanes.map((lane) => lane.done));
    await Promise.allSettled([...this.inFlight]);
    await this.log.idle();
    const closeErrors: unknown[] = [];
    for (const writer of this.writers) {
      try {
        await writer.close?.();
      } catch (error) {
        closeErrors.push(error);
      }
    }
    if (this.failure) throw this.failure;
    if (closeErrors.length > 0) {
      throw new SluiceError(SINK_FAILED, `Sink "${this.config.name}": ${closeErrors.length} writer(s) failed to close: ${message(closeErrors[0])}.`, {}, { cause: closeErrors[0] });
    }
  }

  private assertUsable(): void {
    if (this.closing) throw new SluiceError('store_closed', `Sink "${this.config.name}" is closed; open it again to keep writing.`);
    if (this.failure) throw this.failure;
  }

  /** Awaits lane promises; a writer failure is reported as the sink's first failure, whichever lane noticed. */
  private async settle<T>(promises: Promise<T>[]): Promise<T[]> {
    try {
      return await Promise.all(promises);
    } catch (error) {
      throw this.failure ?? error;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private writerFailed(lane: WriterLane, operation: WriterOperation, cause: unknown): SluiceError {
    const error = new SluiceError(
      SINK_FAILED,
      `Sink "${this.config.name}" writer ${lane.index} failed in ${operation}(): ${message(cause)}. Nothing after the last durable checkpoint is guaranteed: close() this sink, open it again and replay the source from checkpoint().position.`,
      { writer: lane.index, operation },
      { cause },
    );
    this.failure ??= error;
    return error;
  }
}

async function openWriters(config: SinkConfig, resolved: ResolvedSinkConfig): Promise<SinkWriter[]> {
  const opened = await Promise.allSettled(Array.from({ length: resolved.parallelism }, async (_, i) => assertWriter(await config.open(i), i, resolved.name)));
  const failed = opened.find((result) => result.status === 'rejected');
  if (!failed) return opened.map((result) => (result as PromiseFulfilledResult<SinkWriter>).value);
  for (const result of opened) {
    if (result.status === 'fulfilled') await result.value.close?.().catch(() => {});
  }
  const cause = (failed as PromiseRejectedResult).reason;
  if (cause instanceof SluiceError) throw cause;
  throw new SluiceError(SINK_FAILED, `Sink "${resolved.name}": opening a writer failed: ${message(cause)}.`, {}, { cause });
}

function assertWriter(writer: SinkWriter, index: number, name: string): SinkWriter {
  if (typeof writer?.write !== 'function' || typeof writer.onControl !== 'function' || typeof writer.checkpoint !== 'function') {
    throw new SluiceError('invalid_options', `Sink "${name}": open(${index}) must return a SinkWriter with write, onControl and checkpoint.`, { field: 'open', writer: index });
  }
  return writer;
}

function assertControlEvent(event: ControlEvent): void {
  const type = (event as { type?: unknown } | null)?.type;
  if (type !== 'schema' && type !== 'config' && type !== 'flush') {
    throw new SluiceError('invalid_payload', `Unknown control event type ${JSON.stringify(type)}: use 'schema', 'config' or 'flush'.`, { type });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
