import type { JsonValue } from '../../../src/core/json.ts';
import type { CheckpointStore } from '../../../src/store/checkpoint-store.ts';
import { assertCheckpointName, checkpointJson } from '../../../src/store/validation.ts';
import type { PgContext } from './context.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

export function postgresCheckpointStore(ctx: PgContext): ScopedPort<CheckpointStore> {
  return {
    get: async (datasetId, name) => {
      const n = assertCheckpointName(name);
      const ds = await ctx.dataset(datasetId);
      const [row] = await ds.query(`SELECT value FROM ${ds.s}.checkpoints WHERE ${ds.and(2)}name = $1`, ds.args([n]));
      return row === undefined ? undefined : (JSON.parse(row.value as string) as JsonValue);
    },
    set: async (datasetId, name, value) => {
      const n = assertCheckpointName(name);
      const json = checkpointJson(value);
      const ds = await ctx.dataset(datasetId);
      await ds.write('checkpoints.set', (q) => q(`INSERT INTO ${ds.s}.checkpoints (${ds.column}name, value) VALUES (${ds.value(3)}$1, $2) ON CONFLICT (${ds.column}name) DO UPDATE SET value = excluded.value`, ds.args([n, json])));
    },
    delete: async (datasetId, name) => {
      const n = assertCheckpointName(name);
      const ds = await ctx.dataset(datasetId);
      return ds.write('checkpoints.delete', async (q) => (await q(`DELETE FROM ${ds.s}.checkpoints WHERE ${ds.and(2)}name = $1 RETURNING 1`, ds.args([n]))).length > 0);
    },
    list: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      const rows = await ds.query(`SELECT name, value FROM ${ds.s}.checkpoints${ds.rowsOf(1)} ORDER BY name`, ds.args([]));
      return rows.map((r) => ({ name: r.name as string, value: JSON.parse(r.value as string) as JsonValue }));
    },
  };
}
