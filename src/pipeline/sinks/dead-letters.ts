import type { SinkRecord } from './sink-api.ts';

/** A record that could not be routed: never written, never silently dropped. */
export interface DeadLetter {
  readonly record: SinkRecord;
  /** The routing field that could not be resolved. */
  readonly field: string;
  readonly reason: string;
}

/**
 * Dead letters are counted without bound but kept only up to a limit (newest win), so a stream of
 * bad records cannot grow memory. `onDeadLetter` sees every one, for callers that must keep them all.
 */
export class DeadLetters {
  private readonly kept: DeadLetter[] = [];
  private total = 0;

  constructor(
    private readonly limit: number,
    private readonly onDeadLetter: ((letter: DeadLetter) => void) | undefined,
  ) {}

  add(letter: DeadLetter): void {
    this.total++;
    if (this.limit > 0) {
      if (this.kept.length === this.limit) this.kept.shift();
      this.kept.push(letter);
    }
    this.onDeadLetter?.(letter);
  }

  get count(): number {
    return this.total;
  }

  list(): DeadLetter[] {
    return [...this.kept];
  }
}
