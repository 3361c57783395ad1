import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { SqliteSession } from './session.ts';

/** What each port needs from the adapter: the session of a dataset (checked open and valid) and the payload limit. */
export interface StoreContext {
  session(datasetId: DatasetId): SqliteSession;
  readonly maxPayloadBytes: number;
}
