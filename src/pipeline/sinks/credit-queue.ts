export interface CreditEntry<T> {
  readonly item: T;
  /** Credits the item holds from admission until `release`: its record count; 0 for control items. */
  readonly cost: number;
}

interface Waiter<T> extends CreditEntry<T> {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A bounded FIFO between the source and one writer. An item is admitted only while the credits it
 * costs are free, and holds them until the consumer releases them (after the writer finished it),
 * so `depth` counts queued plus in-flight records and never exceeds `capacity`. Offers that do not
 * fit wait in FIFO order — later offers queue behind them even if they would fit — which keeps
 * order and makes the waiting offer's promise the back-pressure signal to the source.
 */
export class CreditQueue<T> {
  private readonly admitted: CreditEntry<T>[] = [];
  private readonly waiting: Waiter<T>[] = [];
  private held = 0;
  private highWater = 0;
  private blockedTotal = 0;
  private blockedSince: number | undefined;
  private taker: ((entry: CreditEntry<T> | undefined) => void) | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;

  constructor(
    readonly capacity: number,
    private readonly now: () => number,
  ) {}

  /** Resolves when the item is admitted. `cost` must not exceed `capacity` (callers cut batches to fit). */
  offer(item: T, cost: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (cost > this.capacity) throw new RangeError(`cost ${cost} exceeds capacity ${this.capacity}`);
    if (this.waiting.length === 0 && this.held + cost <= this.capacity) {
      this.admit({ item, cost });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      if (this.waiting.length === 0) this.blockedSince = this.now();
      this.waiting.push({ item, cost, resolve, reject });
    });
  }

  /** Next admitted entry, in order; undefined once closed and empty, or failed. One taker at a time. */
  take(): Promise<CreditEntry<T> | undefined> {
    const next = this.admitted.shift();
    if (next) return Promise.resolve(next);
    if (this.failure || (this.closed && this.waiting.length === 0)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.taker = resolve;
    });
  }

  /** The consumer finished an entry: its credits return and waiting offers are admitted. */
  release(cost: number): void {
    this.held -= cost;
    while (this.waiting.length > 0 && this.held + this.waiting[0]!.cost <= this.capacity) {
      const waiter = this.waiting.shift()!;
      this.admit(waiter);
      waiter.resolve();
    }
    if (this.waiting.length === 0 && this.blockedSince !== undefined) {
      this.blockedTotal += this.now() - this.blockedSince;
      this.blockedSince = undefined;
    }
  }

  /** No more offers are expected; `take` ends once everything already offered has been taken. */
  close(): void {
    this.closed = true;
    if (this.admitted.length === 0 && this.waiting.length === 0) this.wakeTaker(undefined);
  }

  /**
   * Stops the queue: waiting offers reject with `error`, later offers too, and the admitted entries
   * nobody will process are returned so their owner can settle them.
   */
  fail(error: unknown): CreditEntry<T>[] {
    this.failure = { error };
    const dropped = this.admitted.splice(0);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    if (this.blockedSince !== undefined) {
      this.blockedTotal += this.now() - this.blockedSince;
      this.blockedSince = undefined;
    }
    this.held = 0;
    this.wakeTaker(undefined);
    return dropped;
  }

  get depth(): number {
    return this.held;
  }

  get maxDepth(): number {
    return this.highWater;
  }

  get credits(): number {
    return this.capacity - this.held;
  }

  /** Total time offers waited for credit, including a wait still in progress. */
  get blockedMs(): number {
    return this.blockedTotal + (this.blockedSince === undefined ? 0 : this.now() - this.blockedSince);
  }

  private admit(entry: CreditEntry<T>): void {
    this.held += entry.cost;
    if (this.held > this.highWater) this.highWater = this.held;
    if (this.taker) this.wakeTaker({ item: entry.item, cost: entry.cost });
    else this.admitted.push({ item: entry.item, cost: entry.cost });
  }

  private wakeTaker(entry: CreditEntry<T> | undefined): void {
    const taker = this.taker;
    this.taker = undefined;
    taker?.(entry);
  }
}
