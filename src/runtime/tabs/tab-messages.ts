import type { SerializedError } from '../worker/error-transfer.ts';
import type { DatasetRevoked, DocumentChange, PipelineApi } from '../pipeline/pipeline-api.ts';

/*
 * What the tabs of an origin and the leader's dataset worker say to each other over one
 * BroadcastChannel per (storage, dataset). Every tab is a client; the worker that the leader tab
 * started answers. A leader is known by its epoch (a fresh id per worker start), so a reply or a
 * call never crosses from one leader's life into the next.
 */

/** The pipeline methods a tab may call on the leader. close and serve stay with the leader tab. */
export const SHARED_METHODS = [
  'write',
  'ingest',
  'get',
  'list',
  'declareIndexes',
  'query',
  'explain',
  'readRecords',
  'syncNow',
  'maintainNow',
  'status',
  'managePeer',
  'drainSinks',
  'exportSnapshot',
  'importSnapshot',
] as const satisfies readonly (keyof PipelineApi)[];
export type SharedMethod = (typeof SHARED_METHODS)[number];

export type TabMessage =
  /** tab → leader: one call; `to` is the epoch it was sent to. */
  | { readonly t: 'call'; readonly tab: string; readonly id: number; readonly to: string; readonly m: SharedMethod; readonly a: unknown[] }
  /** leader → tab */
  | { readonly t: 'reply'; readonly tab: string; readonly id: number; readonly ok: true; readonly v: unknown }
  | { readonly t: 'reply'; readonly tab: string; readonly id: number; readonly ok: false; readonly e: SerializedError }
  /** leader → every tab: a worker is ready to serve; calls not yet answered are sent (again) to it. */
  | { readonly t: 'leader'; readonly epoch: string; readonly nodeId: string }
  /** leader → every tab: committed document changes. */
  | { readonly t: 'changes'; readonly epoch: string; readonly c: DocumentChange[] }
  /** leader → every tab: a peer refused the dataset. */
  | { readonly t: 'revoked'; readonly epoch: string; readonly e: DatasetRevoked }
  /** a tab that just opened asks who leads. */
  | { readonly t: 'hello' };

/** The channel and Web Lock names for one dataset of one storage, e.g. `sluice:dexie:app:primary`. */
export function sharedName(storageKey: string, datasetId: string): string {
  return `sluice:${storageKey}:${datasetId}`;
}
