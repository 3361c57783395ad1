import { assertDatasetId, type DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { readConfirmationCoverage, type ConfirmationCoverage, type MaintenanceStorage } from './confirmation-coverage.ts';
import type { MissingConfirmation } from './maintenance.ts';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface DatasetHealthInput {
  readonly datasetId: DatasetId;
  readonly storage: MaintenanceStorage;
  /** Wall-clock ms, reported as `checkedAt`. Default Date.now(). */
  readonly now?: number;
  /** A peer further behind than this is degraded. Default 30 s. */
  readonly lagThresholdMs?: number;
  /** A peer further behind than this is unhealthy. Default 120 s; never below lagThresholdMs. */
  readonly criticalLagThresholdMs?: number;
}

export interface PeerLag {
  readonly peerId: string;
  readonly lagMs: number;
}

export interface DatasetHealth {
  readonly datasetId: DatasetId;
  readonly status: HealthStatus;
  readonly reason: string;
  readonly checkedAt: number;
  /** Active tracked peers (inactive ones neither gate pruning nor count here). */
  readonly trackedPeers: number;
  /** Active peers missing a watermark for some author they must confirm: pruning is skipped while any is listed. */
  readonly peersWithoutConfirmation: readonly string[];
  /** The (peer, author) pairs behind `peersWithoutConfirmation`. */
  readonly missingConfirmations: readonly MissingConfirmation[];
  /** Active peers whose lag exceeds `lagThresholdMs`, critical ones included, by peer id. */
  readonly laggingPeers: readonly PeerLag[];
  /** The largest lag over all active peers; 0 when none lags. */
  readonly maxLagMs: number;
  /** Per active peer, when a watermark of it last moved (the store's clock); null: never. */
  readonly lastConfirmedAt: Readonly<Record<string, number | null>>;
  readonly lagThresholdMs: number;
  /** After clamping to at least lagThresholdMs. */
  readonly criticalLagThresholdMs: number;
}

/**
 * Confirmation health of one dataset, for a health endpoint or the maintenance loop.
 *
 * A peer's lag is, over the authors it must confirm (the same set pruning waits for: every author
 * that still has entries, except the peer itself), the largest gap between our newest entry by that
 * author and the peer's watermark for it, in wall-clock ms of the entries' HLCs. It measures how much
 * history the peer holds back, not how long ago it was last heard from. A peer missing a watermark
 * it needs is degraded (expected briefly after a rollout); a probe that throws is unhealthy.
 */
export async function datasetHealth(input: DatasetHealthInput): Promise<DatasetHealth> {
  const datasetId = assertDatasetId(input.datasetId);
  const checkedAt = input.now ?? Date.now();
  const lagThresholdMs = threshold(input.lagThresholdMs ?? 30_000, 'lagThresholdMs');
  const criticalLagThresholdMs = Math.max(lagThresholdMs, threshold(input.criticalLagThresholdMs ?? 120_000, 'criticalLagThresholdMs'));
  const base = { datasetId, checkedAt, lagThresholdMs, criticalLagThresholdMs };

  let coverage: ConfirmationCoverage;
  try {
    coverage = await readConfirmationCoverage(input.storage);
  } catch (error) {
    return unhealthy(datasetId, `storage probe failed: ${error instanceof Error ? error.message : String(error)}`, base);
  }

  const missingConfirmations: MissingConfirmation[] = [];
  const lagByPeer = new Map<string, number>();
  for (const peer of coverage.activePeers) lagByPeer.set(peer.peerId, 0);
  for (const r of coverage.required) {
    if (r.watermark === undefined) {
      missingConfirmations.push({ peerId: r.peerId, authorId: r.authorId });
      continue;
    }
    const lag = Math.max(0, r.head.hlc.wall - r.watermark.hlc.wall);
    lagByPeer.set(r.peerId, Math.max(lagByPeer.get(r.peerId) ?? 0, lag));
  }

  const peersWithoutConfirmation = [...new Set(missingConfirmations.map((m) => m.peerId))];
  const laggingPeers: PeerLag[] = [];
  let maxLagMs = 0;
  for (const [peerId, lagMs] of lagByPeer) {
    maxLagMs = Math.max(maxLagMs, lagMs);
    if (lagMs > lagThresholdMs) laggingPeers.push({ peerId, lagMs });
  }
  const lastConfirmedAt: Record<string, number | null> = {};
  for (const peer of coverage.activePeers) {
    const rows = coverage.rowsByPeer.get(peer.peerId) ?? [];
    lastConfirmedAt[peer.peerId] = rows.length === 0 ? null : Math.max(...rows.map((r) => r.confirmedAt));
  }

  const critical = laggingPeers.filter((p) => p.lagMs > criticalLagThresholdMs);
  const problems = [
    ...critical.map((p) => `peer "${p.peerId}" lags ${p.lagMs} ms (critical threshold ${criticalLagThresholdMs} ms)`),
    ...missingConfirmations.map((m) => `peer "${m.peerId}" has not confirmed author "${m.authorId}" yet`),
    ...laggingPeers.filter((p) => p.lagMs <= criticalLagThresholdMs).map((p) => `peer "${p.peerId}" lags ${p.lagMs} ms (threshold ${lagThresholdMs} ms)`),
  ];
  const status: HealthStatus = critical.length > 0 ? 'unhealthy' : problems.length > 0 ? 'degraded' : 'healthy';
  const n = coverage.activePeers.length;
  const reason =
    problems.length > 0
      ? problems.join('; ')
      : n === 0
        ? 'no active tracked peers'
        : `${n} active tracked ${n === 1 ? 'peer' : 'peers'} within ${lagThresholdMs} ms`;

  return {
    ...base,
    status,
    reason,
    trackedPeers: coverage.activePeers.length,
    peersWithoutConfirmation,
    missingConfirmations,
    laggingPeers,
    maxLagMs,
    lastConfirmedAt,
  };
}

function threshold(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SluiceError('invalid_options', `${field} must be a non-negative number of milliseconds, got ${String(value)}.`);
  }
  return value;
}

/** The health of a dataset that could not be examined (storage failing, pipeline unreachable). */
export function unhealthy(
  datasetId: DatasetId,
  reason: string,
  base: { checkedAt: number; lagThresholdMs: number; criticalLagThresholdMs: number } = { checkedAt: Date.now(), lagThresholdMs: 30_000, criticalLagThresholdMs: 120_000 },
): DatasetHealth {
  return {
    ...base,
    datasetId,
    status: 'unhealthy',
    reason,
    trackedPeers: 0,
    peersWithoutConfirmation: [],
    missingConfirmations: [],
    laggingPeers: [],
    maxLagMs: 0,
    lastConfirmedAt: {},
  };
}
