import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { DatasetSchema } from './dataset-schema.ts';

/** What the ports share: the dataset's schema (created on first use), the limits, and this writer's id. */
export interface PgContext {
  dataset(datasetId: DatasetId): Promise<DatasetSchema>;
  readonly maxPayloadBytes: number;
  /** Tells this adapter's own commits apart from other writers' in commit notices. */
  readonly writerId: string;
}
