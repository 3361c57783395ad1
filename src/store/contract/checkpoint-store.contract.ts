import { expect, it } from 'vitest';
import type { SuiteContext } from './suite-context.ts';

export function checkpointStoreContract(ctx: SuiteContext): void {
  it('sets, overwrites, lists and deletes named cursors', async () => {
    const { checkpoints } = ctx.adapter();
    expect(await checkpoints.get('primary', 'sink:index')).toBeUndefined();
    await checkpoints.set('primary', 'sink:index', { barrier: 1, buckets: 128 });
    await checkpoints.set('primary', 'sink:index', { barrier: 2, buckets: 128 });
    await checkpoints.set('primary', 'exporter', 'hash-abc');
    expect(await checkpoints.get('primary', 'sink:index')).toEqual({ barrier: 2, buckets: 128 });
    expect(await checkpoints.list('primary')).toEqual([
      { name: 'exporter', value: 'hash-abc' },
      { name: 'sink:index', value: { barrier: 2, buckets: 128 } },
    ]);
    expect(await checkpoints.delete('primary', 'exporter')).toBe(true);
    expect(await checkpoints.delete('primary', 'exporter')).toBe(false);
    expect((await checkpoints.list('primary')).map((c) => c.name)).toEqual(['sink:index']);
  });
}
