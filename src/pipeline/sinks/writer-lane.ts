import { CreditQueue } from './credit-queue.ts';
import type { ControlEvent, SinkRecord, SinkWriter } from './sink-api.ts';

export type WriterOperation = 'write' | 'onControl' | 'checkpoint';

interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

type LaneItem =
  | { readonly kind: 'data'; readonly records: readonly SinkRecord[]; readonly bytes: number }
  | { readonly kind: 'control'; readonly event: ControlEvent; readonly settle: Settle<void> }
  | { readonly kind: 'barrier'; readonly id: number; readonly settle: Settle<number> };

export interface LaneCounters {
  readonly records: number;
  readonly bytes: number;
  readonly batches: number;
  readonly queueDepth: number;
  readonly maxQueueDepth: number;
  readonly credits: number;
  readonly blockedMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly failed: boolean;
}

/**
 * One writer and the only path to it: a credit queue fed by the source and a loop that hands the
 * writer one item at a time, in queue order. Data, control events and barriers share the queue, so
 * a control event or barrier reaches the writer after every record queued before it and before any
 * record queued after it. Lanes never call each other; each loop runs on its own.
 */
export class WriterLane {
  readonly done: Promise<void>;
  private readonly queue: CreditQueue<LaneItem>;
  private records = 0;
  private bytes = 0;
  private batches = 0;
  private busyTotal = 0;
  private busySince: number | undefined;
  private readonly startedAt: number;
  private failure: { error: unknown } | undefined;

  constructor(
    readonly index: number,
    private readonly writer: SinkWriter,
    capacity: number,
    private readonly now: () => number,
    /** Turns a writer's exception into the error every pending and later call reports. */
    private readonly onFailure: (lane: WriterLane, operation: WriterOperation, cause: unknown) => unknown,
  ) {
    this.queue = new CreditQueue(capacity, now);
    this.startedAt = now();
    this.done = this.run();
  }

  /** Resolves once the batch is admitted (not written): that is the source's back-pressure point. */
  write(records: readonly SinkRecord[], bytes: number): Promise<void> {
    return this.queue.offer({ kind: 'data', records, bytes }, records.length);
  }

  /** Resolves when the writer has handled the event. */
  control(event: ControlEvent): Promise<void> {
    return this.enqueueSettled<void>((settle) => ({ kind: 'control', event, settle }));
  }

  /** Resolves with the ack time once `writer.checkpoint(id)` resolved. */
  barrier(id: number): Promise<number> {
    return this.enqueueSettled<number>((settle) => ({ kind: 'barrier', id, settle }));
  }

  /** Ends the loop after everything already offered has been handled. */
  close(): void {
    this.queue.close();
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  counters(): LaneCounters {
    const now = this.now();
    const busyMs = this.busyTotal + (this.busySince === undefined ? 0 : now - this.busySince);
    return {
      records: this.records,
      bytes: this.bytes,
      batches: this.batches,
      queueDepth: this.queue.depth,
      maxQueueDepth: this.queue.maxDepth,
      credits: this.queue.credits,
      blockedMs: this.queue.blockedMs,
      busyMs,
      idleMs: Math.max(0, now - this.startedAt - busyMs),
      failed: this.failed,
    };
  }

  private enqueueSettled<T>(make: (settle: Settle<T>) => LaneItem): Promise<T> {
    let settle!: Settle<T>;
    const settled = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Settled only after admission, when the caller is already chained on it; this keeps a failure
    // before admission from also being reported as an unhandled rejection.
    settled.catch(() => {});
    return this.queue.offer(make(settle), 0).then(() => settled);
  }

  private async run(): Promise<void> {
    for (;;) {
      const entry = await this.queue.take();
      if (!entry) return;
      const { item } = entry;
      const operation: WriterOperation = item.kind === 'data' ? 'write' : item.kind === 'control' ? 'onControl' : 'checkpoint';
      this.busySince = this.now();
      try {
        if (item.kind === 'data') {
          await this.writer.write(item.records);
          this.records += item.records.length;
          this.bytes += item.bytes;
          this.batches++;
        } else if (item.kind === 'control') {
          await this.writer.onControl(item.event);
        } else {
          await this.writer.checkpoint(item.id);
        }
      } catch (cause) {
        this.endBusy();
        this.fail(item, operation, cause);
        return;
      }
      this.endBusy();
      if (item.kind === 'control') item.settle.resolve();
      else if (item.kind === 'barrier') item.settle.resolve(this.now());
      this.queue.release(entry.cost);
    }
  }

  private endBusy(): void {
    if (this.busySince !== undefined) this.busyTotal += this.now() - this.busySince;
    this.busySince = undefined;
  }

  /** The writer is unusable: everything queued for it is abandoned (the caller replays it after reopening). */
  private fail(current: LaneItem, operation: WriterOperation, cause: unknown): void {
    const error = this.onFailure(this, operation, cause);
    this.failure = { error };
    const abandoned = [current, ...this.queue.fail(error).map((entry) => entry.item)];
    for (const item of abandoned) if (item.kind !== 'data') item.settle.reject(error);
  }
}
