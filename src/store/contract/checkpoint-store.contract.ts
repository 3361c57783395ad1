import { byDataset } from './fixtures.ts';
import { expect, it } from 'vitest';
import type { SuiteContext } from './suite-context.ts';

export function checkpointStoreContract(ctx: SuiteContext): void {
  it('sets, overwrites, lists and deletes named cursors', async () => {
    const { checkpoints } = byDataset(ctx.adapter());
    expect(await checkpoints('primary').get('sink:index')).toBeUndefined();
    await checkpoints('primary').set('sink:index', { barrier: 1, buckets: 128 });
    await checkpoints('primary').set('sink:index', { barrier: 2, buckets: 128 });
    await checkpoints('primary').set('exporter', 'hash-abc');
    expect(await checkpoints('primary').get('sink:index')).toEqual({ barrier: 2, buckets: 128 });
    expect(await checkpoints('primary').list()).toEqual([
      { name: 'exporter', value: 'hash-abc' },
      { name: 'sink:index', value: { barrier: 2, buckets: 128 } },
    ]);
    expect(await checkpoints('primary').delete('exporter')).toBe(true);
    expect(await checkpoints('primary').delete('exporter')).toBe(false);
    expect((await checkpoints('primary').list()).map((c) => c.name)).toEqual(['sink:index']);
  });
}
