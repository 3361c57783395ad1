import type { DatasetId } from '../core/dataset-id.ts';
import type { Transport } from '../protocol/transport.ts';
import type { AuthOptions } from '../sync/auth.ts';
import type { AcceptOptions } from './acceptor.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import type { DatasetStatus } from './dataset-status.ts';
import type { DatasetRevoked } from './pipeline/pipeline-api.ts';
import type { NodeOptions, ResolvedDataset } from './node-options.ts';

/**
 * What a SyncNode runs on. The node is a facade; its datasets live in a host: pipelines in this
 * thread or in workers (DatasetHost), or datasets shared by a browser's tabs (SharedTabsHost).
 * createNode picks the parts, so a browser page never loads what only a hub needs.
 */
export interface NodeHost {
  readonly ids: DatasetId[];
  all(): DatasetSlot[];
  slot(datasetId: DatasetId): DatasetSlot;
  start(): Promise<void>;
  stop(): Promise<void>;
  metrics(): Promise<Record<DatasetId, DatasetStatus>>;
  /** Stops one dataset here and deletes its documents and history from this node's storage. */
  forget(datasetId: DatasetId): Promise<void>;
  /** Hears every dataset's refusals by peers, those opened later (a hub's instances) included. */
  setRevokedListener(listener: (event: DatasetRevoked) => void): void;
}

/** Peers dialing in (hubs): authentication, then a pipeline here or a relay to its worker. */
export interface NodeServing {
  accept(transport: Transport, options: AcceptOptions): void;
  authenticatorFor(auth: AuthOptions): { readonly ready: Promise<void> };
  closeRelays(datasetId: DatasetId, reason: string): void;
  revoke(principalId: string, datasetId?: DatasetId): Promise<number>;
  closeAll(code: number, reason: string): void;
}

export interface NodeParts {
  readonly host: NodeHost;
  /** null: this node cannot accept peers (a browser tab's). */
  readonly serving: NodeServing | null;
}

export interface NodePartsContext {
  readonly nodeId: string;
  readonly options: NodeOptions;
  readonly datasets: readonly ResolvedDataset[];
  readonly maxFrameBytes: number;
  /** A dataset's worker died (it restarts by itself); the node reports it. */
  readonly onWorkerCrash: (datasetId: DatasetId, reason: string) => void;
}

export type BuildNodeParts = (context: NodePartsContext) => NodeParts;
