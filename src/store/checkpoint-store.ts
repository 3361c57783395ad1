import type { JsonValue } from '../core/json.ts';

/** Named durable cursors, such as a sink's last acknowledged barrier. */
export interface CheckpointStore {
  get(name: string): Promise<JsonValue | undefined>;
  set(name: string, value: JsonValue): Promise<void>;
  delete(name: string): Promise<boolean>;
  list(): Promise<{ name: string; value: JsonValue }[]>;
}
