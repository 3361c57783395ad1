import { SluiceError } from './errors.ts';
import { boundedValue, preview } from './option-checks.ts';

/**
 * Hybrid logical clock timestamp. `wall` is milliseconds since the Unix epoch, `logic` orders
 * events within one millisecond, `nodeId` breaks the remaining ties so the order is total.
 */
export interface Hlc {
  readonly wall: number;
  readonly logic: number;
  readonly nodeId: string;
}

export const ZERO_HLC: Hlc = Object.freeze({ wall: 0, logic: 0, nodeId: '' });

const MAX_LOGIC = 0x7fff_ffff;
const NODE_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

export function isValidNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID_PATTERN.test(value);
}

/** `field` names the option the id came from (e.g. `nodeId` of createNode), for `details.field`. */
export function assertNodeId(value: unknown, field?: string): string {
  if (!isValidNodeId(value)) {
    throw new SluiceError(
      'invalid_node_id',
      `Invalid ${field ?? 'node id'} ${preview(value)}: use 1-128 characters of A-Z, a-z, 0-9, '.', '_', '~' or '-'${field ? ', or leave it out to have one generated and kept in storage' : ''}.`,
      { value: boundedValue(value), ...(field === undefined ? {} : { field }) },
    );
  }
  return value;
}

/** Total order: wall, then logic, then nodeId by code unit (the same on every runtime). */
/**
 * Order of two timestamps of the same author, whose node id is the same on both sides (or absent):
 * (wall, logic) decides. The one comparison for "is this entry after that one in its chain".
 */
export function compareStamp(a: Pick<Hlc, 'wall' | 'logic'>, b: Pick<Hlc, 'wall' | 'logic'>): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.logic !== b.logic) return a.logic < b.logic ? -1 : 1;
  return 0;
}

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.logic !== b.logic) return a.logic < b.logic ? -1 : 1;
  if (a.nodeId === b.nodeId) return 0;
  return a.nodeId < b.nodeId ? -1 : 1;
}

export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b;
}

export function assertHlc(value: unknown, field = 'hlc'): Hlc {
  const v = value as Partial<Hlc> | null;
  const ok =
    typeof v === 'object' && v !== null &&
    Number.isSafeInteger(v.wall) && (v.wall as number) >= 0 &&
    Number.isInteger(v.logic) && (v.logic as number) >= 0 && (v.logic as number) <= MAX_LOGIC &&
    (v.nodeId === '' || isValidNodeId(v.nodeId));
  if (!ok) {
    throw new SluiceError(
      'invalid_timestamp',
      `Invalid ${field} ${safeJson(value)}: expected { wall: non-negative integer ms, logic: 0..${MAX_LOGIC}, nodeId: a valid node id }.`,
      { field },
    );
  }
  return { wall: v.wall as number, logic: v.logic as number, nodeId: v.nodeId as string };
}

/** `wall:logic:nodeId`, the textual form used in hashes, logs and checkpoints. */
export function formatHlc(t: Hlc): string {
  return `${t.wall}:${t.logic}:${t.nodeId}`;
}

export function parseHlc(text: string): Hlc {
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  if (first < 0 || second < 0) {
    throw new SluiceError('invalid_timestamp', `Invalid HLC text ${JSON.stringify(text)}: expected "wall:logic:nodeId".`);
  }
  return assertHlc({
    wall: Number(text.slice(0, first)),
    logic: Number(text.slice(first + 1, second)),
    nodeId: text.slice(second + 1),
  });
}

export interface HybridClockOptions {
  /** Remote timestamps further ahead of the local wall clock than this are rejected. Default 60 s. */
  maxClockDriftMs?: number;
  /** Injected wall clock, for tests and simulations. */
  now?: () => number;
}

/**
 * The clock of one node. `tick()` stamps local events; `receive()` folds in a remote timestamp
 * with the standard HLC rule so that local events after it always order after it.
 */
export class HybridClock {
  readonly nodeId: string;
  readonly maxClockDriftMs: number;
  private readonly now: () => number;
  private wall = 0;
  private logic = 0;

  constructor(nodeId: string, options: HybridClockOptions = {}) {
    this.nodeId = assertNodeId(nodeId);
    const drift = options.maxClockDriftMs ?? 60_000;
    if (!Number.isFinite(drift) || drift < 0) {
      throw new SluiceError('invalid_options', `maxClockDriftMs must be a non-negative number of milliseconds, got ${safeJson(drift)}.`);
    }
    this.maxClockDriftMs = drift;
    this.now = options.now ?? Date.now;
  }

  /** The newest timestamp this clock has issued or observed. */
  peek(): Hlc {
    return { wall: this.wall, logic: this.logic, nodeId: this.nodeId };
  }

  /** Make sure the clock never goes back below a timestamp restored from storage. */
  restore(latest: Hlc): void {
    if (latest.wall > this.wall || (latest.wall === this.wall && latest.logic > this.logic)) {
      this.wall = latest.wall;
      this.logic = latest.logic;
    }
  }

  tick(): Hlc {
    const physical = this.now();
    if (physical > this.wall) {
      this.wall = physical;
      this.logic = 0;
    } else {
      this.bumpLogic();
    }
    return this.peek();
  }

  /** Throws `clock_drift` for a remote timestamp too far ahead of this clock; changes nothing. */
  assertWithinDrift(remote: Hlc, physical = this.now()): void {
    if (remote.wall - physical > this.maxClockDriftMs) {
      throw new SluiceError(
        'clock_drift',
        `Remote timestamp ${formatHlc(remote)} is ${remote.wall - physical} ms ahead of this node's clock (limit ${this.maxClockDriftMs} ms). Fix the clock on node "${remote.nodeId}" or raise maxClockDriftMs.`,
        { remote: formatHlc(remote), aheadMs: remote.wall - physical, limitMs: this.maxClockDriftMs },
      );
    }
  }

  receive(remote: Hlc): Hlc {
    const physical = this.now();
    this.assertWithinDrift(remote, physical);
    const wall = Math.max(this.wall, remote.wall, physical);
    if (wall === this.wall && wall === remote.wall) {
      this.logic = Math.max(this.logic, remote.logic);
      this.bumpLogic();
    } else if (wall === this.wall) {
      this.bumpLogic();
    } else if (wall === remote.wall) {
      this.wall = wall;
      this.logic = remote.logic;
      this.bumpLogic();
    } else {
      this.wall = wall;
      this.logic = 0;
    }
    return this.peek();
  }

  private bumpLogic(): void {
    if (this.logic >= MAX_LOGIC) {
      // The counter only saturates if something issues 2^31 events within one millisecond;
      // moving wall forward by 1 ms keeps the order strictly increasing.
      this.wall += 1;
      this.logic = 0;
    } else {
      this.logic += 1;
    }
  }
}

/** A bounded description for messages: an object shows only the three fields a timestamp has. */
function safeJson(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return preview(value);
  const v = value as Record<string, unknown>;
  return `{ wall: ${preview(v.wall)}, logic: ${preview(v.logic)}, nodeId: ${preview(v.nodeId)} }`;
}

/**
 * A string form whose lexicographic order equals the HLC total order (fixed-width wall and logic),
 * for places that store clocks as JSON text and compare them often, such as merge metadata.
 */
export function sortableHlc(t: Hlc): string {
  return `${t.wall.toString().padStart(16, '0')}.${t.logic.toString().padStart(10, '0')}.${t.nodeId}`;
}

export function parseSortableHlc(text: string): Hlc {
  const first = text.indexOf('.');
  const second = text.indexOf('.', first + 1);
  return { wall: Number(text.slice(0, first)), logic: Number(text.slice(first + 1, second)), nodeId: text.slice(second + 1) };
}
