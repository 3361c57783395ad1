/** Counters of one dataset pipeline. Plain numbers so they cross worker boundaries as is. */
export interface DatasetMetrics {
  rounds: number;
  roundFailures: number;
  entriesIn: number;
  entriesOut: number;
  bytesIn: number;
  bytesOut: number;
  gapsRecovered: number;
  snapshotsFetched: number;
  snapshotsServed: number;
  /** Remote batches refused for a different entry at a position of an author's chain already held. */
  timestampConflicts: number;
  /** Append datasets: records stored since the pipeline started, this node's batches and its peers'. */
  recordsStored: number;
  errors: number;
  lastError: { code: string; message: string; at: number } | null;
  maintenanceRuns: number;
  entriesPruned: number;
  lastMaintenance: { at: number; pruned: number; reason: string } | null;
}

export function newDatasetMetrics(): DatasetMetrics {
  return {
    rounds: 0,
    roundFailures: 0,
    entriesIn: 0,
    entriesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    gapsRecovered: 0,
    snapshotsFetched: 0,
    snapshotsServed: 0,
    timestampConflicts: 0,
    recordsStored: 0,
    errors: 0,
    lastError: null,
    maintenanceRuns: 0,
    entriesPruned: 0,
    lastMaintenance: null,
  };
}
