import type { JsonValue } from '../../../src/core/json.ts';
import type { CheckpointStore } from '../../../src/store/checkpoint-store.ts';
import { assertCheckpointName, checkpointJson } from '../../../src/store/validation.ts';
import type { DexieContext } from './context.ts';
import { prefixRange, type CheckpointKey } from './rows.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

export function dexieCheckpointStore(ctx: DexieContext): ScopedPort<CheckpointStore> {
  return {
    get: async (datasetId, name) => {
      ctx.check(datasetId);
      const id: CheckpointKey = [datasetId, assertCheckpointName(name)];
      const row = await ctx.read(datasetId, ['checkpoints'], (t) => t.checkpoints.get(id));
      return row === undefined ? undefined : (JSON.parse(row.valueJson) as JsonValue);
    },

    set: async (datasetId, name, value) => {
      ctx.check(datasetId);
      const valueJson = checkpointJson(value);
      const checkpoint = assertCheckpointName(name);
      await ctx.write(datasetId, ['checkpoints'], async (t) => {
        await t.checkpoints.put({ datasetId, name: checkpoint, valueJson });
        ctx.commit('checkpoints.set');
      });
    },

    delete: async (datasetId, name) => {
      ctx.check(datasetId);
      const id: CheckpointKey = [datasetId, assertCheckpointName(name)];
      return ctx.write(datasetId, ['checkpoints'], async (t) => {
        const existed = (await t.checkpoints.where(':id').equals(id).count()) > 0;
        await t.checkpoints.delete(id);
        ctx.commit('checkpoints.delete');
        return existed;
      });
    },

    list: async (datasetId) => {
      ctx.check(datasetId);
      const rows = await ctx.read(datasetId, ['checkpoints'], (t) => t.checkpoints.where(':id').between(...prefixRange(datasetId), true, true).toArray());
      return rows.map((row) => ({ name: row.name, value: JSON.parse(row.valueJson) as JsonValue }));
    },
  };
}
