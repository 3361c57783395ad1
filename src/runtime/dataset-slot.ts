import type { DatasetId } from '../core/dataset-id.ts';
import type { AppendBuffer } from '../pipeline/append-buffer.ts';
import type { DropWatch } from '../sync/live-health.ts';
import type { DatasetPipeline } from './pipeline/dataset-pipeline.ts';
import type { DocumentChange, PipelineApi } from './pipeline/pipeline-api.ts';
import type { WorkerPipeline } from './worker/worker-pipeline.ts';
import type { TabPipeline } from './tabs/tab-pipeline.ts';

/** What the node keeps per dataset: the pipeline (here or in a worker) and its subscribers. */
export interface DatasetSlot {
  readonly id: DatasetId;
  readonly pipeline: PipelineApi;
  /** Set when the pipeline runs in this thread: a hub serves only those to peers. */
  readonly local: DatasetPipeline | undefined;
  readonly worker: WorkerPipeline | undefined;
  /** Set when the origin's tabs share the dataset: calls go to the tab that runs its worker. */
  readonly tab: TabPipeline | undefined;
  readonly listeners: Set<(changes: DocumentChange[]) => void>;
  /** Called when what listeners heard may have a gap (a new leader tab took over): live queries read again. */
  readonly resyncs: Set<() => void>;
  readonly buffer: AppendBuffer | undefined;
  /** Removes the buffer's page-lifecycle listeners. */
  readonly detachBuffer: () => void;
  /** When the buffer's drop counters last grew: recent drops make the dataset's health worse. */
  readonly drops: DropWatch;
}
