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
      const [row] = await ds.query(`SELECT value FROM ${ds.s}.checkpoints WHERE name = $1`, [n]);
      return row === undefined ? undefined : (JSON.parse(row.value as string) as JsonValue);
    },
    set: async (datasetId, name, value) => {
      const n = assertCheckpointName(name);
      const json = checkpointJson(value);
      const ds = await ctx.dataset(datasetId);
      await ds.write('checkpoints.set', (q) => q(`INSERT INTO ${ds.s}.checkpoints (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, [n, json]));
    },
    delete: async (datasetId, name) => {
      const n = assertCheckpointName(name);
      const ds = await ctx.dataset(datasetId);
      return ds.write('checkpoints.delete', async (q) => (await q(`DELETE FROM ${ds.s}.checkpoints WHERE name = $1 RETURNING 1`, [n])).length > 0);
    },
    list: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      const rows = await ds.query(`SELECT name, value FROM ${ds.s}.checkpoints ORDER BY name`);
      return rows.map((r) => ({ name: r.name as string, value: JSON.parse(r.value as string) as JsonValue }));
    },
  };
}
