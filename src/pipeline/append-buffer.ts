import { isSluiceError, SluiceError } from '../core/errors.ts';
import { resolveAppendOptions, type AppendBufferOptions, type OverflowPolicy, type ResolvedAppendOptions } from './append-options.ts';
import { cutCount, recordSize, type RecordBatch } from './record-batch.ts';

export type { AppendBufferOptions, OverflowPolicy } from './append-options.ts';
export type { RecordBatch } from './record-batch.ts';
export { flushOnPageHide } from './page-hide.ts';

/*
 * The bounded buffer behind `node.dataset('logs').append(record | records)`.
 *
 * Records
 * - A record is a plain JSON object (see `recordSize`). An invalid record throws `invalid_payload`
 *   (`payload_too_deep` when nested deeper than `MAX_JSON_DEPTH`, 64 levels) synchronously; for an
 *   array every record is checked before any is buffered, so a throwing call buffers nothing,
 *   numbers nothing and counts nothing.
 * - A record whose one-record batch (`[` + json + `]`) would exceed `flushBytes` by its estimated
 *   size throws `payload_too_large`: no batch could ever carry it. It is refused while it is being
 *   checked, after about `flushBytes` of work.
 * - append() never serialises. The buffer keeps the record objects themselves (so a record must not
 *   be changed after it was appended) and an estimate of their JSON size (`recordSize`), which is
 *   what `bytes`, `maxBytes` and `flushBytes` count. A cut batch goes to the sink as records; the
 *   pipeline encodes it once, on its own thread (the dataset's worker, where it has one).
 * - Each buffer has a random `source` id. With a batch's `firstSeq` it names the batch, so a
 *   pipeline can recognise a retried batch it already stored (an ingest that failed after storing,
 *   or a worker that crashed before answering) and not store it twice.
 * - Every accepted record gets a sequence number: its position in append order, starting at 0
 *   (`seq` = the value of `stats().appended` before it was counted). Records dropped or spilled keep
 *   their numbers, so a receiver sees drops as gaps. A batch never spans a gap.
 *
 * Where a record is at any moment: buffered (`depth`/`bytes`: waiting to be cut, or waiting for an
 * ingest retry), in flight to `sink.ingest` or `sink.spill`, waiting in a blocked append (`block`),
 * or settled: counted exactly once in `ingested`, `spilled` or one `dropped` bucket. After `close()`
 * resolves nothing is unsettled, so `appended === ingested + spilled + sum(dropped)`.
 *
 * Flushing
 * - `append()` never calls the sink for ingest itself. Once `flushRecords` records or `flushBytes`
 *   bytes are buffered, or the buffer overflows, a flush runs in a microtask.
 * - A timer (one per buffer, armed only while records are buffered) flushes everything buffered at
 *   least every `flushIntervalMs`.
 * - `flush()` and `close()` flush synchronously within the call, so a `pagehide` handler gets the
 *   batches to the sink before the page freezes.
 * - A flush cuts batches from the oldest buffered records (at most `flushRecords` records and
 *   `flushBytes` encoded bytes, never across a sequence gap) and hands them to `sink.ingest` while
 *   fewer than `maxInFlight` are unsettled. The rest stays buffered: that is how a slow pipeline
 *   fills the buffer and the overflow policy comes into play. Size-triggered flushes send only full
 *   batches; interval, explicit, overflow and close flushes also send the partial tail.
 * - `flush()` resolves once every record appended before the call has settled. It never rejects.
 *
 * Full buffer: an append overflows when `depth + incoming > maxRecords` or `bytes + incoming bytes >
 * maxBytes`. Records in flight do not count toward the bound; batches waiting for an ingest retry do.
 * In every policy the records of one call that fit are buffered first, in order (longest prefix), and
 * the policy decides about the rest:
 * - `block`: the rest waits; `append()` returns a Promise that resolves when all of the call's records
 *   are buffered. Waiters are served FIFO and, while any waits, later appends queue behind them even if
 *   they would fit (order is kept and large arrays cannot starve). An array larger than the whole buffer
 *   is admitted piecewise as room appears. `blockedMs` adds each waiter's wait when it resolves.
 * - `drop-oldest`: the oldest buffered records (ingest-retry batches first, whole, then the oldest
 *   records not in flight) are evicted to make room; each is counted in `dropped['drop-oldest']`. If
 *   the rest of the call alone exceeds the bound, its own oldest records are dropped too, so the buffer
 *   keeps the newest records.
 * - `drop-newest`: the rest of the call is refused and counted in `dropped['drop-newest']`.
 * - `spill`: the rest is cut into batches (same bounds as ingest batches) and handed to `sink.spill`
 *   synchronously, not awaited; each record counts in `spilled` when its spill resolves or in
 *   `dropped['spill-failed']` when it rejects. At most `MAX_SPILL_IN_FLIGHT` spills are unsettled;
 *   records beyond that fall back to drop-oldest: they are buffered and the oldest buffered records
 *   are evicted, counted in `dropped['drop-oldest']`.
 *
 * Refused records: the sink's ingest may resolve with `{ refused: n }` when it stored the batch but
 * `n` of its records could not be carried once encoded (over the store's payload limit); they count
 * in `dropped.refused`. A batch the sink rejects with `invalid_payload`, `payload_too_large` or
 * `payload_too_deep` is refused whole, under every policy: retrying cannot change the answer.
 *
 * Failed ingest (a rejected or throwing `sink.ingest`)
 * - `drop-oldest`, `drop-newest`: the batch is dropped and counted in `dropped['ingest-failed']`; no
 *   retry. These policies already accept loss, and retrying would hold memory for stale records.
 * - `block`, `spill`: nothing is lost while the buffer is open. The same batch (same `source`, `firstSeq`
 *   and records) goes back to the front of the buffer,
 *   ordered by `firstSeq`, and counts toward `depth` again, so a failing pipeline pushes back on
 *   appenders. Sending pauses for a backoff (100 ms, doubling per consecutive failure, at most 5 s,
 *   reset by any success) and retry batches go before new ones. The pipeline dedupes by `(source, firstSeq)` if an
 *   ingest failed after storing.
 * - Once `close()` has begun a failing batch cannot hold the buffer open forever: under `spill` it is
 *   handed to `sink.spill` (counted as spilled or spill-failed); under `block` it gets
 *   `CLOSE_INGEST_ATTEMPTS` attempts after close began and is then counted in
 *   `dropped['ingest-failed']`.
 *
 * `close()` stops the interval timer, admits every blocked append (beyond the bound: its records are
 * already in memory) and resolves its Promise, flushes everything, and resolves once every record has
 * settled, in-flight ingests and spills included. Later appends throw `store_closed`; calling
 * `close()` again returns the same Promise.
 *
 * Cost: append is O(record size) for validation plus O(1) amortised bookkeeping (three
 * parallel arrays with a head index, compacted when half consumed). No per-record Promise or timer:
 * one Promise per blocked call, one interval timer, one backoff timer, one microtask per flush.
 */

/** Unsettled `sink.spill` calls allowed before the spill policy falls back to drop-oldest. */
export const MAX_SPILL_IN_FLIGHT = 8;
/** First ingest retry delay under `block` and `spill`; doubles per consecutive failure. */
export const RETRY_BASE_MS = 100;
export const RETRY_MAX_MS = 5_000;
/** Ingest attempts a batch gets under `block` once close() has begun. */
export const CLOSE_INGEST_ATTEMPTS = 3;

const COMPACT_AFTER = 1024;

/** What a sink reports for a stored batch: records it could not carry (counted in `dropped.refused`). */
export interface IngestOutcome {
  readonly refused: number;
}

export interface AppendSink {
  /** Stores the batch in the dataset's pipeline. May be slow or fail. */
  ingest(batch: RecordBatch): Promise<IngestOutcome | void>;
  /** Durable overflow store, called only under the 'spill' policy. */
  spill(batch: RecordBatch): Promise<IngestOutcome | void>;
}

export interface AppendClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AppendBufferStats {
  /** Records buffered: waiting to be cut, or waiting for an ingest retry. Not in flight. */
  depth: number;
  /** Estimated JSON bytes of the `depth` records (see `recordSize`). */
  bytes: number;
  /** Batches handed to `sink.ingest` and not yet settled. */
  inFlight: number;
  /** Records accepted by append() (valid ones, whatever became of them). */
  appended: number;
  ingested: number;
  spilled: number;
  dropped: { 'drop-oldest': number; 'drop-newest': number; 'spill-failed': number; 'ingest-failed': number; refused: number };
  /** Total time blocked append() calls waited, counted when each resolves. */
  blockedMs: number;
  /** Batches cut from the buffer and handed to `sink.ingest` (retries not counted). */
  flushes: number;
}

/** A batch on its way to `sink.ingest`, or back in the buffer waiting for a retry. */
interface IngestFlight {
  readonly batch: RecordBatch;
  /** Sum of the records' estimated JSON bytes (what `bytes` counts). */
  readonly recordBytes: number;
  failuresSinceClose: number;
}

interface SpillFlight {
  readonly firstSeq: number;
  readonly count: number;
}

interface BlockedAppend {
  readonly records: readonly object[];
  readonly sizes: readonly number[];
  readonly firstSeq: number;
  /** Index of the first record of this call not buffered yet. */
  next: number;
  readonly since: number;
  readonly resolve: () => void;
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

const systemClock: AppendClock = {
  now: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

export class AppendBuffer {
  private readonly options: ResolvedAppendOptions;
  private readonly policy: OverflowPolicy;
  private readonly retries: boolean;
  private readonly sink: AppendSink;
  private readonly clock: AppendClock;

  // Buffered records, oldest first, from index `head` on. Sequence numbers ascend (with gaps).
  private records: object[] = [];
  private sizes: number[] = [];
  private seqs: number[] = [];
  private head = 0;
  private pendingBytes = 0;

  // Batches waiting for an ingest retry, ordered by firstSeq. All are older than `records`.
  private retryQueue: IngestFlight[] = [];
  private retryRecords = 0;
  private retryBytes = 0;

  private readonly ingesting = new Set<IngestFlight>();
  private readonly spilling = new Set<SpillFlight>();
  private blocked: (BlockedAppend | undefined)[] = [];
  private blockedHead = 0;
  private flushWaiters: FlushWaiter[] = [];

  /** Buffered records with seq <= flushUpTo go out even as a partial batch. */
  private flushUpTo = -1;
  private intervalTimer: unknown = undefined;
  private backoffTimer: unknown = undefined;
  private consecutiveFailures = 0;
  private pumpQueued = false;
  private pumping = false;
  private pumpAgain = false;

  private closed = false;
  private closing: Promise<void> | undefined;
  private resolveClose: (() => void) | undefined;

  private appended = 0;
  private ingested = 0;
  private spilled = 0;
  private readonly dropped = { 'drop-oldest': 0, 'drop-newest': 0, 'spill-failed': 0, 'ingest-failed': 0, refused: 0 };
  /** Names this buffer's batches, with their firstSeq, so a pipeline can dedupe a retried one. */
  readonly source = randomSource();
  private blockedMs = 0;
  private flushes = 0;

  constructor(options: AppendBufferOptions, sink: AppendSink, clock: AppendClock = systemClock) {
    this.options = resolveAppendOptions(options);
    this.policy = this.options.policy;
    this.retries = this.policy === 'block' || this.policy === 'spill';
    if (typeof sink !== 'object' || sink === null || typeof sink.ingest !== 'function') {
      throw new SluiceError('invalid_options', 'The append sink must be an object with ingest(batch) returning a Promise.', { field: 'sink' });
    }
    if (this.policy === 'spill' && typeof sink.spill !== 'function') {
      throw new SluiceError('invalid_options', 'The "spill" policy needs a sink with spill(batch); give one, or pick another policy.', { field: 'sink.spill' });
    }
    this.sink = sink;
    this.clock = clock;
  }

  /**
   * Buffers one record or an array of records. Returns undefined, except under 'block' when the
   * records do not all fit: then a Promise that resolves once they are all buffered.
   */
  append(input: unknown): void | Promise<void> {
    if (this.closed) {
      throw new SluiceError('store_closed', 'This append buffer is closed: append before closing the node, or create a new buffer.');
    }
    const { maxRecords, maxBytes } = this.options;
    if (!Array.isArray(input)) {
      const size = recordSize(input, undefined, this.maxRecordBytes());
      this.assertBatchable(size, undefined);
      const seq = this.appended++;
      // Fast path: no array allocation while there is room.
      if (this.blockedHead === this.blocked.length && this.depth() < maxRecords && this.bufferedBytes() + size <= maxBytes) {
        this.push(input as object, size, seq);
        this.afterPush();
        return;
      }
      return this.admit([input as object], [size], seq);
    }
    const count = input.length;
    if (count === 0) return;
    // A copy of the array (not of the records): the caller may reuse its array once append returns.
    const records = new Array<object>(count);
    const sizes = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const size = recordSize(input[i], i, this.maxRecordBytes());
      this.assertBatchable(size, i);
      records[i] = input[i] as object;
      sizes[i] = size;
    }
    const firstSeq = this.appended;
    this.appended += count;
    return this.admit(records, sizes, firstSeq);
  }

  /**
   * Hands everything buffered to the sink (as far as `maxInFlight` allows) and resolves once every
   * record appended before the call has settled: ingested, spilled or dropped. Under 'block' and
   * 'spill' that includes ingest retries, so it waits for a failing pipeline to recover.
   */
  flush(): Promise<void> {
    const target = this.appended - 1;
    if (this.oldestUnsettled() > target) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.flushWaiters.push({ target, resolve }));
    if (target > this.flushUpTo) this.flushUpTo = target;
    this.pump();
    return done;
  }

  stats(): AppendBufferStats {
    return {
      depth: this.depth(),
      bytes: this.bufferedBytes(),
      inFlight: this.ingesting.size,
      appended: this.appended,
      ingested: this.ingested,
      spilled: this.spilled,
      dropped: { ...this.dropped },
      blockedMs: this.blockedMs,
      flushes: this.flushes,
    };
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.clearTimer('intervalTimer');
    // Blocked records are already in memory; admitting them beyond the bound frees their callers.
    while (this.blockedHead < this.blocked.length) {
      const waiter = this.blocked[this.blockedHead]!;
      this.blocked[this.blockedHead++] = undefined;
      for (let i = waiter.next; i < waiter.records.length; i++) this.push(waiter.records[i]!, waiter.sizes[i]!, waiter.firstSeq + i);
      this.blockedMs += this.clock.now() - waiter.since;
      waiter.resolve();
    }
    this.blocked = [];
    this.blockedHead = 0;
    this.flushUpTo = Number.POSITIVE_INFINITY;
    this.closing = new Promise<void>((resolve) => {
      this.resolveClose = resolve;
    });
    this.pump();
    return this.closing;
  }

  // ---- admission ----

  /** The JSON of a record that still fits a one-record batch: `[` + json + `]` within flushBytes. */
  private maxRecordBytes(): number {
    return this.options.flushBytes - 2;
  }

  private assertBatchable(size: number, index: number | undefined): void {
    if (size + 2 > this.options.flushBytes) {
      const where = index === undefined ? 'record' : `records[${index}]`;
      throw new SluiceError(
        'payload_too_large',
        `The ${where} is ${size} bytes of JSON; a batch holds at most ${this.options.flushBytes} bytes (flushBytes). Split the record or raise flushBytes; nothing from this call was buffered.`,
        index === undefined ? { bytes: size, limit: this.options.flushBytes } : { index, bytes: size, limit: this.options.flushBytes },
      );
    }
  }

  private admit(records: readonly object[], sizes: readonly number[], firstSeq: number): void | Promise<void> {
    const count = records.length;
    const fitted = this.blockedHead < this.blocked.length ? 0 : this.pushFitting(records, sizes, firstSeq, 0);
    if (fitted === count) {
      this.afterPush();
      return;
    }
    // Overflow: get everything buffered moving now instead of at the next interval.
    this.requestFlush(firstSeq + count - 1);
    let waiting: Promise<void> | undefined;
    switch (this.policy) {
      case 'block':
        waiting = new Promise<void>((resolve) => {
          this.blocked.push({ records, sizes, firstSeq, next: fitted, since: this.clock.now(), resolve });
        });
        break;
      case 'drop-newest':
        this.dropped['drop-newest'] += count - fitted;
        break;
      case 'drop-oldest':
        this.pushEvicting(records, sizes, firstSeq, fitted);
        break;
      case 'spill':
        this.spillOverflow(records, sizes, firstSeq, fitted);
        break;
    }
    this.afterPush();
    this.settleWaiters();
    return waiting;
  }

  /** Buffers records from `from` on while they fit; returns the index of the first that did not. */
  private pushFitting(records: readonly object[], sizes: readonly number[], firstSeq: number, from: number): number {
    const { maxRecords, maxBytes } = this.options;
    let depth = this.depth();
    let bytes = this.bufferedBytes();
    let i = from;
    while (i < records.length && depth < maxRecords && bytes + sizes[i]! <= maxBytes) {
      this.push(records[i]!, sizes[i]!, firstSeq + i);
      depth++;
      bytes += sizes[i]!;
      i++;
    }
    return i;
  }

  /** Buffers records from `from` on, evicting the oldest buffered ones (drop-oldest). */
  private pushEvicting(records: readonly object[], sizes: readonly number[], firstSeq: number, from: number): void {
    const { maxRecords, maxBytes } = this.options;
    let start = from;
    let count = records.length - from;
    let bytes = 0;
    for (let i = from; i < records.length; i++) bytes += sizes[i]!;
    // The incoming records alone may exceed the bound: their own oldest go first.
    while (count > maxRecords || bytes > maxBytes) {
      bytes -= sizes[start]!;
      start++;
      count--;
    }
    this.dropped['drop-oldest'] += start - from;
    this.evictOldest(this.depth() + count - maxRecords, this.bufferedBytes() + bytes - maxBytes);
    for (let i = start; i < records.length; i++) this.push(records[i]!, sizes[i]!, firstSeq + i);
  }

  private evictOldest(records: number, bytes: number): void {
    let evicted = 0;
    while (records > 0 || bytes > 0) {
      const retry = this.retryQueue.shift();
      if (retry !== undefined) {
        this.retryRecords -= retry.batch.count;
        this.retryBytes -= retry.recordBytes;
        records -= retry.batch.count;
        bytes -= retry.recordBytes;
        evicted += retry.batch.count;
        continue;
      }
      if (this.head === this.records.length) break; // cannot happen: the incoming records fit an empty buffer
      const size = this.sizes[this.head]!;
      this.consumePending(1, size);
      records--;
      bytes -= size;
      evicted++;
    }
    this.dropped['drop-oldest'] += evicted;
  }

  private spillOverflow(records: readonly object[], sizes: readonly number[], firstSeq: number, from: number): void {
    const { flushRecords, flushBytes } = this.options;
    let i = from;
    while (i < records.length && this.spilling.size < MAX_SPILL_IN_FLIGHT) {
      const count = cutCount(sizes, undefined, i, records.length, flushRecords, flushBytes);
      this.spill({ records: records.slice(i, i + count), count, firstSeq: firstSeq + i, source: this.source });
      i += count;
    }
    if (i < records.length) this.pushEvicting(records, sizes, firstSeq, i);
  }

  /** Serves blocked appends FIFO as far as room allows; returns whether any record got in. */
  private admitBlocked(): boolean {
    let admitted = false;
    while (this.blockedHead < this.blocked.length) {
      const waiter = this.blocked[this.blockedHead]!;
      const next = this.pushFitting(waiter.records, waiter.sizes, waiter.firstSeq, waiter.next);
      if (next > waiter.next) admitted = true;
      waiter.next = next;
      if (next < waiter.records.length) break;
      this.blocked[this.blockedHead++] = undefined;
      this.blockedMs += this.clock.now() - waiter.since;
      waiter.resolve();
    }
    if (this.blockedHead === this.blocked.length) {
      this.blocked = [];
      this.blockedHead = 0;
    } else if (this.blockedHead >= COMPACT_AFTER && this.blockedHead * 2 >= this.blocked.length) {
      this.blocked.splice(0, this.blockedHead);
      this.blockedHead = 0;
    }
    if (admitted) this.afterPush();
    return admitted;
  }

  private push(record: object, size: number, seq: number): void {
    this.records.push(record);
    this.sizes.push(size);
    this.seqs.push(seq);
    this.pendingBytes += size;
  }

  private afterPush(): void {
    const pending = this.records.length - this.head;
    if (pending === 0) return;
    if (this.intervalTimer === undefined && !this.closed) {
      this.intervalTimer = this.clock.setTimeout(this.onInterval, this.options.flushIntervalMs);
    }
    if (pending >= this.options.flushRecords || this.pendingBytes >= this.options.flushBytes) this.queuePump();
  }

  /** Drops `count` records from the front of the buffer (cut into a batch or evicted). */
  private consumePending(count: number, bytes: number): void {
    const end = this.head + count;
    // Release the records now rather than at the next compaction.
    for (let i = this.head; i < end; i++) this.records[i] = RELEASED;
    this.head = end;
    this.pendingBytes -= bytes;
    if (this.head === this.records.length) {
      this.records.length = 0;
      this.sizes.length = 0;
      this.seqs.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.records.length) {
      this.records.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.seqs.splice(0, this.head);
      this.head = 0;
    }
  }

  // ---- flushing ----

  private readonly onInterval = (): void => {
    this.intervalTimer = undefined;
    if (this.closed) return;
    this.requestFlush(this.appended - 1);
    this.pump();
    if (this.records.length > this.head && this.intervalTimer === undefined) {
      this.intervalTimer = this.clock.setTimeout(this.onInterval, this.options.flushIntervalMs);
    }
  };

  private requestFlush(target: number): void {
    if (target > this.flushUpTo) this.flushUpTo = target;
    this.queuePump();
  }

  private queuePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(this.queuedPump);
  }

  private readonly queuedPump = (): void => {
    this.pumpQueued = false;
    this.pump();
  };

  /** Sends retry batches, then cut batches, while slots are free; serves blocked appends as room appears. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.ingesting.size < this.options.maxInFlight && this.backoffTimer === undefined) {
          const retry = this.retryQueue.shift();
          if (retry !== undefined) {
            this.retryRecords -= retry.batch.count;
            this.retryBytes -= retry.recordBytes;
            this.send(retry);
            continue;
          }
          if (!this.cutBatch()) break;
        }
        if (this.blockedHead < this.blocked.length && this.admitBlocked()) this.pumpAgain = true;
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.settleWaiters();
  }

  /** Cuts the next batch if it is ready (full, or asked for by a flush) and sends it. */
  private cutBatch(): boolean {
    const end = this.records.length;
    if (this.head === end) return false;
    const { flushRecords, flushBytes } = this.options;
    const count = cutCount(this.sizes, this.seqs, this.head, end, flushRecords, flushBytes);
    const firstSeq = this.seqs[this.head]!;
    // A batch that stops before the end of the buffer was cut by a bound or a gap: it cannot grow.
    const ready = this.head + count < end || count >= flushRecords || firstSeq <= this.flushUpTo;
    if (!ready) return false;
    const records = this.records.slice(this.head, this.head + count);
    let recordBytes = 0;
    for (let i = this.head; i < this.head + count; i++) recordBytes += this.sizes[i]!;
    this.consumePending(count, recordBytes);
    this.flushes++;
    this.send({ batch: { records, count, firstSeq, source: this.source }, recordBytes, failuresSinceClose: 0 });
    return true;
  }

  private send(flight: IngestFlight): void {
    this.ingesting.add(flight);
    let settled: Promise<IngestOutcome | void>;
    try {
      settled = Promise.resolve(this.sink.ingest(flight.batch));
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.then(
      (outcome) => this.ingestSettled(flight, refusedOf(outcome, flight.batch.count)),
      (error: unknown) => this.ingestSettled(flight, isRefusal(error) ? flight.batch.count : -1),
    );
  }

  /** `refused`: records the sink could not carry (the rest were stored), or -1 when the ingest failed. */
  private ingestSettled(flight: IngestFlight, refused: number): void {
    this.ingesting.delete(flight);
    const count = flight.batch.count;
    if (refused >= 0) {
      this.ingested += count - refused;
      this.dropped.refused += refused;
      this.consecutiveFailures = 0;
    } else if (!this.retries) {
      this.dropped['ingest-failed'] += count;
    } else if (this.closed && this.policy === 'spill') {
      this.spill(flight.batch);
    } else if (this.closed && ++flight.failuresSinceClose >= CLOSE_INGEST_ATTEMPTS) {
      this.dropped['ingest-failed'] += count;
    } else {
      this.requeue(flight);
    }
    this.pump();
  }

  private requeue(flight: IngestFlight): void {
    let at = this.retryQueue.length;
    while (at > 0 && this.retryQueue[at - 1]!.batch.firstSeq > flight.batch.firstSeq) at--;
    this.retryQueue.splice(at, 0, flight);
    this.retryRecords += flight.batch.count;
    this.retryBytes += flight.recordBytes;
    this.consecutiveFailures++;
    if (this.backoffTimer === undefined) {
      const delay = Math.min(RETRY_BASE_MS * 2 ** (this.consecutiveFailures - 1), RETRY_MAX_MS);
      this.backoffTimer = this.clock.setTimeout(this.onBackoffEnd, delay);
    }
  }

  private readonly onBackoffEnd = (): void => {
    this.backoffTimer = undefined;
    this.pump();
  };

  private spill(batch: RecordBatch): void {
    const flight: SpillFlight = { firstSeq: batch.firstSeq, count: batch.count };
    this.spilling.add(flight);
    let settled: Promise<IngestOutcome | void>;
    try {
      settled = Promise.resolve(this.sink.spill(batch));
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.then(
      (outcome) => this.spillSettled(flight, refusedOf(outcome, flight.count)),
      (error: unknown) => this.spillSettled(flight, isRefusal(error) ? flight.count : -1),
    );
  }

  /** `refused` as in ingestSettled; a failed spill is counted, not retried. */
  private spillSettled(flight: SpillFlight, refused: number): void {
    this.spilling.delete(flight);
    if (refused >= 0) {
      this.spilled += flight.count - refused;
      this.dropped.refused += refused;
    } else {
      this.dropped['spill-failed'] += flight.count;
    }
    this.settleWaiters();
  }

  // ---- settling ----

  private depth(): number {
    return this.records.length - this.head + this.retryRecords;
  }

  private bufferedBytes(): number {
    return this.pendingBytes + this.retryBytes;
  }

  /** The smallest sequence number not yet settled, or Infinity. */
  private oldestUnsettled(): number {
    let oldest = Number.POSITIVE_INFINITY;
    if (this.head < this.records.length) oldest = this.seqs[this.head]!;
    const retry = this.retryQueue[0];
    if (retry !== undefined && retry.batch.firstSeq < oldest) oldest = retry.batch.firstSeq;
    for (const flight of this.ingesting) if (flight.batch.firstSeq < oldest) oldest = flight.batch.firstSeq;
    for (const flight of this.spilling) if (flight.firstSeq < oldest) oldest = flight.firstSeq;
    const waiter = this.blocked[this.blockedHead];
    if (waiter !== undefined && waiter.firstSeq + waiter.next < oldest) oldest = waiter.firstSeq + waiter.next;
    return oldest;
  }

  private settleWaiters(): void {
    if (this.flushWaiters.length === 0 && this.resolveClose === undefined) return;
    const oldest = this.oldestUnsettled();
    let served = 0;
    while (served < this.flushWaiters.length && this.flushWaiters[served]!.target < oldest) this.flushWaiters[served++]!.resolve();
    if (served > 0) this.flushWaiters.splice(0, served);
    if (this.resolveClose !== undefined && oldest === Number.POSITIVE_INFINITY) {
      this.clearTimer('backoffTimer');
      const resolve = this.resolveClose;
      this.resolveClose = undefined;
      resolve();
    }
  }

  private clearTimer(name: 'intervalTimer' | 'backoffTimer'): void {
    const handle = this[name];
    if (handle === undefined) return;
    this[name] = undefined;
    this.clock.clearTimeout(handle);
  }
}

/** Stands in for a record cut into a batch, so the buffer does not keep it alive. */
const RELEASED: object = Object.freeze({});

/** Errors that say the batch itself is unacceptable: sending it again cannot succeed. */
const REFUSAL_CODES = new Set(['invalid_payload', 'payload_too_large', 'payload_too_deep']);

function isRefusal(error: unknown): boolean {
  return isSluiceError(error) && REFUSAL_CODES.has(error.code);
}

function refusedOf(outcome: IngestOutcome | void, count: number): number {
  const refused = outcome?.refused;
  return typeof refused === 'number' && Number.isInteger(refused) && refused >= 0 ? Math.min(refused, count) : 0;
}

/** 12 hex characters: unique enough among the buffers one dataset ever sees. */
function randomSource(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
