import type { AppendClock, AppendSink, RecordBatch } from '../../src/pipeline/append-buffer.ts';

/** Lets every queued microtask and promise callback run (a real macrotask turn). */
export function drain(): Promise<void> {
  // setImmediate (where there is one) runs after pending promise callbacks without the 1 ms timer floor.
  const later = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (later ? later(() => resolve()) : setTimeout(resolve, 0)));
}

/** Deterministic clock: timers run only when the test advances time. */
export class FakeClock implements AppendClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order, with promise callbacks drained in between. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await drain();
      let dueId: number | undefined;
      let dueAt = Number.POSITIVE_INFINITY;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && timer.at < dueAt) {
          dueId = id;
          dueAt = timer.at;
        }
      }
      if (dueId === undefined) break;
      const timer = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      this.time = dueAt;
      timer.callback();
    }
    this.time = end;
    await drain();
  }
}

export interface Rec {
  id: number;
  [field: string]: unknown;
}

export interface SinkCall {
  readonly batch: RecordBatch;
  /** Copied when the call was made, as the worker's structured clone would. */
  readonly records: Rec[];
  outcome: 'pending' | 'ok' | 'failed';
  resolve(): void;
  reject(error?: unknown): void;
}

export type SinkMode = 'manual' | 'ok' | 'fail';

/** The batch as the pipeline would store it: encoded once, as JSON. */
export function decodeBatch(batch: RecordBatch): Rec[] {
  return JSON.parse(JSON.stringify(batch.records)) as Rec[];
}

/**
 * A sink whose ingest and spill calls are recorded. 'manual' calls stay pending until the test
 * settles them; 'ok' and 'fail' settle at once.
 */
export class TestSink implements AppendSink {
  readonly ingestCalls: SinkCall[] = [];
  readonly spillCalls: SinkCall[] = [];
  ingestMode: SinkMode = 'manual';
  spillMode: SinkMode = 'manual';

  ingest(batch: RecordBatch): Promise<void> {
    return this.record(this.ingestCalls, batch, this.ingestMode);
  }

  spill(batch: RecordBatch): Promise<void> {
    return this.record(this.spillCalls, batch, this.spillMode);
  }

  pendingIngests(): SinkCall[] {
    return this.ingestCalls.filter((c) => c.outcome === 'pending');
  }

  pendingSpills(): SinkCall[] {
    return this.spillCalls.filter((c) => c.outcome === 'pending');
  }

  /** Ids of records in ingest calls that succeeded, in call order. */
  ingestedIds(): number[] {
    return this.ingestCalls.filter((c) => c.outcome === 'ok').flatMap((c) => c.records.map((r) => r.id));
  }

  spilledIds(): number[] {
    return this.spillCalls.filter((c) => c.outcome === 'ok').flatMap((c) => c.records.map((r) => r.id));
  }

  private record(calls: SinkCall[], batch: RecordBatch, mode: SinkMode): Promise<void> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const call: SinkCall = {
      batch,
      records: decodeBatch(batch),
      outcome: 'pending',
      resolve() {
        if (call.outcome !== 'pending') throw new Error('sink call settled twice');
        call.outcome = 'ok';
        resolve();
      },
      reject(error = new Error('pipeline unavailable')) {
        if (call.outcome !== 'pending') throw new Error('sink call settled twice');
        call.outcome = 'failed';
        reject(error);
      },
    };
    calls.push(call);
    if (mode === 'ok') call.resolve();
    if (mode === 'fail') call.reject();
    return promise;
  }
}

export function range(from: number, toExclusive: number): number[] {
  return Array.from({ length: toExclusive - from }, (_, i) => from + i);
}

export function totalDropped(dropped: Record<string, number>): number {
  return Object.values(dropped).reduce((a, b) => a + b, 0);
}
