import { UsageError } from './usage-error.ts';

/*
 * Strict numbers for flags. Number() alone would accept "", " 8", "0x10", "1e3" and "Infinity",
 * and parseInt() would read "12abc" as 12; a typo should fail loudly instead of running a hub on
 * an unexpected port.
 */

export interface IntegerRange {
  readonly min: number;
  /** Default: no upper bound (Number.MAX_SAFE_INTEGER). */
  readonly max?: number;
}

/** A whole number written in decimal digits, within the range. `what` names the quantity, e.g. 'a port number'. */
export function integerFlag(flag: string, raw: string, what: string, range: IntegerRange): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `of ${range.min} or more` : `from ${range.min} to ${max}`;
    throw new UsageError(`${flag} must be ${what}, a whole number ${bounds}; got ${JSON.stringify(raw)}.`);
  }
  return n;
}

export interface DecimalRange {
  readonly min: number;
  /** The minimum itself is not allowed (e.g. a duration must be above 0). */
  readonly minExclusive?: boolean;
  readonly max: number;
}

/** A plain decimal number such as 10 or 0.5, within the range. */
export function decimalFlag(flag: string, raw: string, what: string, range: DecimalRange): number {
  const n = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  const tooLow = range.minExclusive ? n <= range.min : n < range.min;
  if (!Number.isFinite(n) || tooLow || n > range.max) {
    const bounds = range.minExclusive ? `above ${range.min} and at most ${range.max}` : `from ${range.min} to ${range.max}`;
    throw new UsageError(`${flag} must be ${what}, a number ${bounds}; got ${JSON.stringify(raw)}.`);
  }
  return n;
}
