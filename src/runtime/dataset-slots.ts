import { AppendBuffer, flushOnPageHide, type AppendSink, type RecordBatch } from '../pipeline/append-buffer.ts';
import { DropWatch } from '../sync/live-health.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import type { ResolvedDataset } from './node-options.ts';
import type { PipelineApi } from './pipeline/pipeline-api.ts';

/** A dataset's slot around its pipeline: the append buffer in front of it (append datasets), its subscribers. */
export function newSlot(d: ResolvedDataset, pipeline: PipelineApi, runs: Pick<DatasetSlot, 'local' | 'worker' | 'tab' | 'resyncs'>): DatasetSlot {
  const buffer = d.buffer ? new AppendBuffer(d.buffer, appendSink(pipeline)) : undefined;
  const detachBuffer = buffer ? flushOnPageHide(buffer) : () => undefined;
  return { id: d.datasetId, pipeline, ...runs, listeners: new Set(), buffer, detachBuffer, drops: new DropWatch() };
}

/** The dataset's records collection: append batches land here. */
const RECORDS_COLLECTION = 'records';

function appendSink(pipeline: PipelineApi): AppendSink {
  const store = (batch: RecordBatch) => pipeline.ingest(batch, RECORDS_COLLECTION);
  // spill: overflow goes straight to the dataset's own storage instead of waiting in memory; it
  // is the same durable oplog, kept up to the retention limit while the device is offline.
  return { ingest: store, spill: store };
}

