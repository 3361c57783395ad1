import type { DatasetHealth, HealthStatus } from './health.ts';

/*
 * Health from what a user of a live dataset notices, on top of the confirmation health that
 * pruning needs (health.ts, thresholds in tens of seconds): a write the peer has not acknowledged
 * for seconds, and records an append buffer had to drop.
 */

/** The oldest unacknowledged local write older than this makes a dataset degraded. */
export const UNACKED_DEGRADED_MS = 5_000;
/** ... and older than this, unhealthy. */
export const UNACKED_UNHEALTHY_MS = 30_000;
/** Drops within this window count as current. */
export const DROP_WINDOW_MS = 10_000;

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** Raises `health` to `status` (never lowers it), and puts `problem` first in the reason. */
export function worsen(health: DatasetHealth, status: HealthStatus, problem: string): DatasetHealth {
  const raised = RANK[status] > RANK[health.status] ? status : health.status;
  const reason = health.status === 'healthy' ? problem : `${problem}; ${health.reason}`;
  return { ...health, status: raised, reason };
}

/** Folds the age of the oldest local write no peer has acknowledged into `health`. */
export function withUnackedAge(health: DatasetHealth, unackedMs: number | null): DatasetHealth {
  if (unackedMs === null || unackedMs <= UNACKED_DEGRADED_MS) return health;
  const status: HealthStatus = unackedMs > UNACKED_UNHEALTHY_MS ? 'unhealthy' : 'degraded';
  const limit = status === 'unhealthy' ? UNACKED_UNHEALTHY_MS : UNACKED_DEGRADED_MS;
  return worsen(health, status, `a local write has waited ${Math.round(unackedMs)} ms for a peer's ack (threshold ${limit} ms)`);
}

export interface DropCounts {
  /** Dropped by the overflow policy (drop-oldest, drop-newest): the buffer is overloaded. */
  readonly shed: number;
  /** Lost to failures (ingest-failed, spill-failed, refused): the pipeline is not storing. */
  readonly failed: number;
}

/**
 * Remembers when a buffer's drop counters last grew, so health reports drops while they happen and
 * clears DROP_WINDOW_MS after the last one, whoever reads the metrics and how often.
 */
export class DropWatch {
  private last: DropCounts = { shed: 0, failed: 0 };
  private shedAt = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  private shedInWindow = 0;
  private failedInWindow = 0;

  observe(counts: DropCounts, now: number): DropCounts {
    if (now - this.shedAt > DROP_WINDOW_MS) this.shedInWindow = 0;
    if (now - this.failedAt > DROP_WINDOW_MS) this.failedInWindow = 0;
    if (counts.shed > this.last.shed) {
      this.shedInWindow += counts.shed - this.last.shed;
      this.shedAt = now;
    }
    if (counts.failed > this.last.failed) {
      this.failedInWindow += counts.failed - this.last.failed;
      this.failedAt = now;
    }
    this.last = counts;
    return { shed: this.shedInWindow, failed: this.failedInWindow };
  }
}

/** Folds recent drops into `health`: shedding degrades, losing records to failures is unhealthy. */
export function withDrops(health: DatasetHealth, recent: DropCounts): DatasetHealth {
  let out = health;
  if (recent.shed > 0) out = worsen(out, 'degraded', `the append buffer dropped ${recent.shed} records in the last ${DROP_WINDOW_MS / 1000} s (its overflow policy)`);
  if (recent.failed > 0) out = worsen(out, 'unhealthy', `${recent.failed} records were lost to failed ingests or spills in the last ${DROP_WINDOW_MS / 1000} s`);
  return out;
}
