import type { DatasetId } from '../core/dataset-id.ts';
import type { AppendBufferStats } from '../pipeline/append-buffer.ts';
import { unhealthy } from '../sync/health.ts';
import { withDrops, type DropCounts } from '../sync/live-health.ts';
import { newDatasetMetrics } from '../sync/metrics.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import type { PipelineStatus } from './pipeline/pipeline-api.ts';
import type { WorkerStatus } from './worker/worker-pipeline.ts';

export interface DatasetStatus extends PipelineStatus {
  readonly worker: WorkerStatus;
  /** Append datasets: depth, in-flight batches and drops by policy. */
  readonly buffer: AppendBufferStats | null;
}

/** Per-dataset status. A dataset whose worker is restarting reports that instead of failing the call. */
export async function collectStatus(slots: Iterable<DatasetSlot>): Promise<Record<DatasetId, DatasetStatus>> {
  const out: Record<DatasetId, DatasetStatus> = {};
  await Promise.all(
    [...slots].map(async (slot) => {
      const worker: WorkerStatus = slot.worker?.workerStatus() ?? slot.tab?.workerStatus() ?? { state: 'in-process', restarts: 0, lastCrash: null };
      const buffer = slot.buffer?.stats() ?? null;
      let status: PipelineStatus;
      try {
        status = await slot.pipeline.status();
      } catch (error) {
        status = unavailableStatus(slot.id, error);
      }
      // The buffer lives on this thread, so drops are folded into health here, not in the pipeline.
      const health = buffer ? withDrops(status.health, slot.drops.observe(dropCounts(buffer), Date.now())) : status.health;
      out[slot.id] = { ...status, health, worker, buffer };
    }),
  );
  return out;
}

function dropCounts(stats: AppendBufferStats): DropCounts {
  const d = stats.dropped;
  return { shed: d['drop-oldest'] + d['drop-newest'], failed: d['ingest-failed'] + d['spill-failed'] + d.refused };
}

function unavailableStatus(datasetId: DatasetId, error: unknown): PipelineStatus {
  const lastError = { code: (error as { code?: string })?.code ?? 'unknown', message: (error as Error)?.message ?? String(error), at: Date.now() };
  return {
    ...newDatasetMetrics(),
    errors: 1,
    lastError,
    datasetId,
    kind: 'documents',
    peers: [],
    oplogEntries: 0,
    lag: { ack: { p50: null, p95: null, samples: 0 }, apply: { p50: null, p95: null, samples: 0 }, unackedMs: null },
    sinks: [],
    health: unhealthy(datasetId, `pipeline unavailable: ${lastError.message}`),
  };
}
