import type { JsonValue } from '../../../src/core/json.ts';
import type { CheckpointStore } from '../../../src/store/checkpoint-store.ts';
import { assertCheckpointName, checkpointJson } from '../../../src/store/validation.ts';
import type { StoreContext } from './context.ts';
import { assertRowFits } from './writes.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

const SQL = {
  get: 'SELECT value FROM checkpoints WHERE dataset_id = ? AND name = ?',
  set: 'INSERT INTO checkpoints (dataset_id, name, value) VALUES (?, ?, ?) ON CONFLICT (dataset_id, name) DO UPDATE SET value = excluded.value',
  delete: 'DELETE FROM checkpoints WHERE dataset_id = ? AND name = ?',
  list: 'SELECT name, value FROM checkpoints WHERE dataset_id = ?',
};

export function sqliteCheckpointStore(ctx: StoreContext): ScopedPort<CheckpointStore> {
  return {
    get: async (datasetId, name) => {
      const row = ctx.session(datasetId).statement(SQL.get).get(datasetId, assertCheckpointName(name));
      return row === undefined ? undefined : (JSON.parse(row.value as string) as JsonValue);
    },
    set: async (datasetId, name, value) => {
      const session = ctx.session(datasetId);
      const json = checkpointJson(value);
      const checked = assertCheckpointName(name);
      const rowLimit = session.limits?.rowBytes;
      if (rowLimit !== undefined) assertRowFits(rowLimit, [checked, json], () => `checkpoint ${JSON.stringify(checked)}`);
      session.write('checkpoints.set', () => {
        session.statement(SQL.set).run(datasetId, checked, json);
      });
    },
    delete: async (datasetId, name) => {
      const session = ctx.session(datasetId);
      const checked = assertCheckpointName(name);
      return session.write('checkpoints.delete', () => session.statement(SQL.delete).run(datasetId, checked).changes > 0);
    },
    list: async (datasetId) =>
      ctx
        .session(datasetId)
        .statement(SQL.list)
        .all(datasetId)
        .map((row) => ({ name: row.name as string, value: JSON.parse(row.value as string) as JsonValue }))
        // Names are free text: sort by UTF-16 code units like every adapter, not by SQLite's UTF-8 bytes.
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
