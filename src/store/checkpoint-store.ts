import type { DatasetId } from '../core/dataset-id.ts';
import type { JsonValue } from '../core/json.ts';

/** Named durable cursors, such as a sink's last acknowledged barrier. */
export interface CheckpointStore {
  get(datasetId: DatasetId, name: string): Promise<JsonValue | undefined>;
  set(datasetId: DatasetId, name: string, value: JsonValue): Promise<void>;
  delete(datasetId: DatasetId, name: string): Promise<boolean>;
  list(datasetId: DatasetId): Promise<{ name: string; value: JsonValue }[]>;
}
