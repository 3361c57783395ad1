import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import type { DatasetStatus } from './dataset-status.ts';
import type { DatasetRevoked } from './pipeline/pipeline-api.ts';

export interface NodeEvents {
  /** Every `metricsIntervalMs` while someone listens: the same object metrics() returns. */
  metrics: Record<DatasetId, DatasetStatus>;
  /** A dataset's worker died; it is being restarted with backoff. */
  'worker-crash': { datasetId: DatasetId; reason: string };
  /**
   * A peer refused a dataset to this node: it revoked the grant (closing the connection), or a
   * handshake did not grant it. Once per refusal since the dataset was last granted, or since the
   * node started. `node.forget(datasetId)` deletes what this node holds of it.
   */
  'dataset-revoked': DatasetRevoked;
}

/**
 * The node's listeners. Metrics events start with the first listener and stop with the last, so an
 * unobserved node does no polling; a listener's exception never reaches the node.
 */
export class NodeEventBus {
  private readonly listeners: { [K in keyof NodeEvents]: Set<(event: NodeEvents[K]) => void> } = { metrics: new Set(), 'worker-crash': new Set(), 'dataset-revoked': new Set() };
  private metricsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pollMetrics: () => Promise<NodeEvents['metrics']>,
    private readonly metricsIntervalMs: number,
  ) {}

  on<K extends keyof NodeEvents>(event: K, listener: (payload: NodeEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(payload: NodeEvents[K]) => void> | undefined;
    if (!set) throw new SluiceError('invalid_options', `Unknown event ${JSON.stringify(String(event)).slice(0, 80)}: use ${Object.keys(this.listeners).join(' or ')}.`, { field: 'event' });
    if (typeof listener !== 'function') throw new SluiceError('invalid_options', `node.on("${event}", listener) needs a function as its listener.`, { field: 'listener' });
    set.add(listener);
    if (event === 'metrics' && !this.metricsTimer) {
      this.metricsTimer = setInterval(() => {
        void this.pollMetrics().then((m) => this.emit('metrics', m), () => undefined);
      }, this.metricsIntervalMs);
      (this.metricsTimer as { unref?: () => void }).unref?.();
    }
    return () => {
      set.delete(listener);
      if (event === 'metrics' && set.size === 0) this.stop();
    };
  }

  emit<K extends keyof NodeEvents>(event: K, payload: NodeEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(p: NodeEvents[K]) => void>) {
      try {
        listener(payload);
      } catch {
        // a listener's bug must not break the node
      }
    }
  }

  stop(): void {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.metricsTimer = undefined;
  }
}
