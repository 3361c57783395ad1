import type { DatasetId } from '../../core/dataset-id.ts';
import { SluiceError } from '../../core/errors.ts';
import { emptySnapshot } from '../../store/snapshot-store.ts';
import type { DatasetSlot } from '../dataset-slot.ts';
import { newSlot } from '../dataset-slots.ts';
import { collectStatus, type DatasetStatus } from '../dataset-status.ts';
import type { NodeHost } from '../node-host.ts';
import type { NodeOptions, ResolvedDataset } from '../node-options.ts';
import { pipelineSettings } from '../worker/worker-settings.ts';
import { sharedDataset } from './shared-dataset.ts';
import type { TabPipeline } from './tab-pipeline.ts';
import type { DatasetRevoked } from '../pipeline/pipeline-api.ts';

/**
 * A browser tab's datasets when every one of them is shared by the origin's tabs: each is a
 * client of the tab that leads it, and this tab may lead some itself, in their workers. Nothing
 * of a pipeline runs (or is loaded) on this thread. The node id is the storage's, which the
 * leading worker reads or creates; start() resolves to it.
 */
export class SharedTabsHost implements NodeHost {
  private readonly slots = new Map<DatasetId, DatasetSlot & { readonly tab: TabPipeline }>();
  private started: Promise<string> | undefined;

  constructor(options: NodeOptions, datasets: readonly ResolvedDataset[], storageKey: string, maxFrameBytes: number, onWorkerCrash: (datasetId: DatasetId, reason: string) => void) {
    for (const d of datasets) {
      // An empty id: the leading worker uses the storage's own (see serveDatasetWorker).
      const settings = pipelineSettings(options.nodeId ?? '', options, d, maxFrameBytes);
      const resyncs = new Set<() => void>();
      const tab = sharedDataset(d, settings, options, storageKey, (id, reason) => onWorkerCrash(id, reason), resyncs);
      this.slots.set(d.datasetId, { ...newSlot(d, tab, { local: undefined, worker: undefined, tab, resyncs }), tab });
    }
  }

  get ids(): DatasetId[] {
    return [...this.slots.keys()];
  }

  all(): DatasetSlot[] {
    return [...this.slots.values()];
  }

  slot(datasetId: DatasetId): DatasetSlot {
    const slot = this.slots.get(datasetId);
    if (!slot) {
      throw new SluiceError('invalid_dataset_id', `Dataset "${datasetId}" is not configured on this node (configured: ${this.ids.join(', ')}). Add it under datasets in createNode().`, { datasetId });
    }
    return slot;
  }

  /** Joins every dataset; resolves with the node id once each has a leader. Idempotent. */
  start(): Promise<void> {
    return this.join().then(() => undefined);
  }

  join(): Promise<string> {
    this.started ??= Promise.all([...this.slots.values()].map((s) => s.tab.start())).then((ids) => ids[0] ?? '');
    return this.started;
  }

  async stop(): Promise<void> {
    for (const s of this.slots.values()) s.detachBuffer();
    await Promise.all([...this.slots.values()].map((s) => s.buffer?.close()));
    await Promise.all([...this.slots.values()].map((s) => s.pipeline.close()));
  }

  /**
   * Deletes the dataset's documents and history through its leader (in one transaction there),
   * then leaves it in this tab. The origin's other tabs still have it configured: they hear the
   * same dataset-revoked event, and should forget it too.
   */
  async forget(datasetId: DatasetId): Promise<void> {
    const slot = this.slot(datasetId);
    slot.detachBuffer();
    await slot.buffer?.close();
    await slot.pipeline.importSnapshot(emptySnapshot(datasetId), 'replace');
    this.slots.delete(datasetId);
    await slot.pipeline.close();
  }

  setRevokedListener(listener: (event: DatasetRevoked) => void): void {
    for (const slot of this.slots.values()) void slot.pipeline.setRevokedListener(listener).catch(() => undefined);
  }

  metrics(): Promise<Record<DatasetId, DatasetStatus>> {
    return collectStatus(this.slots.values());
  }
}
