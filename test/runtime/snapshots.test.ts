import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../sync/harness.ts';

describe('dataset and multi-dataset snapshots', () => {
  const h = new Harness();
  afterEach(() => h.close());

  const bytes = (s: unknown) => JSON.stringify({ ...(s as object), createdAt: 0 });

  it('replacing or merging one dataset leaves the others byte-identical', async () => {
    const node = await h.node('n', { datasets: { primary: {}, notes: { worker: true }, logs: { kind: 'append', worker: false } } });
    await node.collection('todos').putMany([{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
    await node.collection('todos', 'notes').put('a', 'note');
    node.dataset('logs').append([{ m: 1 }, { m: 2 }]);
    await node.dataset('logs').flush();
    const before = await node.exportAll();

    const other = await h.node('o', { datasets: { primary: {} } });
    await other.collection('todos').putMany([{ key: 'a', value: 'other' }, { key: 'z', value: 26 }]);
    const foreign = await other.exportSnapshot('primary');

    await node.importSnapshot(foreign, 'merge');
    let after = await node.exportAll();
    expect(bytes(after.datasets.notes)).toBe(bytes(before.datasets.notes));
    expect(bytes(after.datasets.logs)).toBe(bytes(before.datasets.logs));
    expect((await node.collection('todos').all()).map((d) => d.key)).toEqual(['a', 'b', 'z']);

    await node.importSnapshot(foreign, 'replace');
    after = await node.exportAll();
    expect(bytes(after.datasets.notes)).toBe(bytes(before.datasets.notes));
    expect(bytes(after.datasets.logs)).toBe(bytes(before.datasets.logs));
    expect(await node.collection('todos').all()).toEqual([{ key: 'a', value: 'other' }, { key: 'z', value: 26 }]);

    // a full snapshot restores every dataset, each through its own pipeline
    await node.importAll(before, 'replace');
    const restored = await node.exportAll();
    for (const id of ['primary', 'notes', 'logs']) expect(bytes(restored.datasets[id])).toBe(bytes(before.datasets[id]));
    await expect(node.importAll({ ...before, datasets: { ...before.datasets, ghost: before.datasets.primary! } }, 'merge')).rejects.toMatchObject({ code: 'invalid_dataset_id' });
    await expect(node.importSnapshot({ ...foreign, oplog: [{ nope: true }] } as never, 'merge')).rejects.toMatchObject({ code: 'invalid_entry' });
  });
});
