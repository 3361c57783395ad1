import type { DatasetId } from '../core/dataset-id.ts';
import type { DatasetOptions } from '../core/dataset-options.ts';
import type { LagTracker } from './lag-tracker.ts';
import type { DatasetMetrics } from './metrics.ts';
import type { DatasetReplica } from './replica.ts';

/** What the sync layer needs of one dataset: its replica, options, limits and counters. */
export interface DatasetRuntime {
  readonly datasetId: DatasetId;
  readonly options: DatasetOptions;
  readonly replica: DatasetReplica;
  readonly metrics: DatasetMetrics;
  readonly maxFrameBytes: number;
  readonly lag: LagTracker;
}
