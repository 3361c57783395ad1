import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueryResult } from '../../src/index.ts';
import { Harness } from '../sync/harness.ts';

/*
 * Queries and live queries through the public API: createNode with SQLite files, a collection
 * with declared indexes, a hub and a second node over loopback, and a dataset in a worker thread.
 */

interface Task {
  title: string;
  status: 'open' | 'done';
  project: string;
  n: number;
}

const tasks = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ key: `t${String(i).padStart(2, '0')}`, value: { title: `task ${i}`, status: i % 3 === 0 ? 'done' : 'open', project: i % 2 ? 'a' : 'b', n: i } as Task }));

/** Collects a live query's deliveries and lets a test wait for one that satisfies a check. */
function collect<T>() {
  const seen: QueryResult<T>[] = [];
  const waiters: { check: (r: QueryResult<T>) => boolean; resolve: (r: QueryResult<T>) => void }[] = [];
  return {
    seen,
    listener: (r: QueryResult<T>) => {
      seen.push(r);
      for (const w of waiters.splice(0)) (w.check(r) ? w.resolve(r) : waiters.push(w));
    },
    until: (check: (r: QueryResult<T>) => boolean) =>
      new Promise<QueryResult<T>>((resolve) => {
        const last = seen.at(-1);
        if (last && check(last)) resolve(last);
        else waiters.push({ check, resolve });
      }),
  };
}

const keysOf = (r: QueryResult<unknown>) => r.documents.map((d) => d.key);

for (const worker of [false, true]) {
  describe(`queries (${worker ? 'dataset in a worker' : 'in process'})`, () => {
    const h = new Harness();
    afterEach(() => h.close());
    const datasets = { primary: { worker } };

    it('filters, orders and pages on declared indexes, and explain() names the index', async () => {
      const node = await h.node('n1', { datasets });
      const todos = node.collection<Task>('todos', { indexes: ['status', ['project', 'n']] });
      await todos.putMany(tasks(20));
      const open = await todos.query({ where: { status: 'open', n: { lt: 6 } } }).run();
      expect(open.map((d) => d.key)).toEqual(['t01', 't02', 't04', 't05']);
      const page = await todos.query({ where: { project: 'a' }, orderBy: { n: 'desc' }, limit: 3, offset: 1 }).run();
      expect(page.map((d) => d.value.n)).toEqual([17, 15, 13]);
      expect(await todos.query({ where: { project: 'a' }, orderBy: { n: 'desc' } }).explain()).toEqual({ index: 'project+n', equalFields: 1, rangeField: null, sortedByIndex: true });
      expect(await todos.query({ where: { title: { prefix: 'task 1' } } }).explain()).toMatchObject({ index: null });
      expect((await todos.query({ where: { title: { prefix: 'task 1' } } }).run()).length).toBe(11);
    });

    it('refuses bad queries and bad index declarations with typed errors, before anything runs', async () => {
      const node = await h.node('n1', { datasets });
      const todos = node.collection('todos');
      expect(() => todos.query({ where: { status: { near: 1 } } } as never)).toThrow(expect.objectContaining({ code: 'invalid_query' }));
      expect(() => todos.query({ where: { 'a;drop': 1 } })).toThrow(expect.objectContaining({ code: 'invalid_query' }));
      expect(() => todos.query({ limit: -1 })).toThrow(expect.objectContaining({ code: 'invalid_query', details: { field: 'limit' } }));
      expect(() => todos.query({ where: { n: { gt: null } } } as never)).toThrow(expect.objectContaining({ code: 'invalid_query' }));
      expect(() => node.collection('x', { indexes: [['a', 'a']] })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
      expect(() => node.collection('x', { indexes: 'status' } as never)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    });

    it('keeps a live query current through local writes, deletes and a remote write, re-reading only to refill a page', async () => {
      const hub = await h.hub('hub');
      const node = await h.node('n1', { datasets, peers: [h.peer(hub.url)] });
      const other = await h.node('n2', { peers: [h.peer(hub.url)] });
      const todos = node.collection<Task>('todos', { indexes: [['project', 'n']] });
      await todos.putMany(tasks(10));
      const live = collect<Task>();
      const stop = todos.query({ where: { project: 'a' }, orderBy: 'n', limit: 3 }).subscribe(live.listener);
      expect(keysOf(await live.until((r) => r.documents.length === 3))).toEqual(['t01', 't03', 't05']);
      expect(live.seen[0]!.changes).toBeNull();

      // A new first row pushes the last one out.
      await todos.put('x0', { title: 'x', status: 'open', project: 'a', n: 0 });
      const added = await live.until((r) => keysOf(r)[0] === 'x0');
      expect(keysOf(added)).toEqual(['x0', 't01', 't03']);
      expect(added.changes).toEqual({ added: [{ key: 'x0', value: { title: 'x', status: 'open', project: 'a', n: 0 } }], updated: [], removed: ['t05'] });

      // Deleting a row of the full page brings the next one in from storage.
      await todos.delete('t01');
      expect(keysOf(await live.until((r) => !keysOf(r).includes('t01')))).toEqual(['x0', 't03', 't05']);

      // A write elsewhere, synced through the hub.
      await node.syncNow();
      await other.syncNow();
      await other.collection('todos').put('r1', { title: 'remote', status: 'open', project: 'a', n: 4 });
      await other.syncNow();
      expect(keysOf(await live.until((r) => keysOf(r).includes('r1')))).toEqual(['x0', 't03', 'r1']);

      stop();
      const count = live.seen.length;
      await todos.put('x1', { title: 'y', status: 'open', project: 'a', n: -1 });
      await new Promise((r) => setTimeout(r, 50));
      expect(live.seen.length).toBe(count);
    });

    if (worker) {
      it('declares its indexes again to a restarted worker, so queries keep their plan', async () => {
        const node = await h.node('n1', { datasets });
        const todos = node.collection<Task>('todos', { indexes: [['project', 'n']] });
        await todos.putMany(tasks(10));
        const query = todos.query({ where: { project: 'a' }, orderBy: 'n' });
        expect((await query.explain()).index).toBe('project+n');
        await node.workerOf('primary')!.crashForTest();
        await vi.waitFor(() => expect(node.workerOf('primary')!.workerStatus()).toMatchObject({ state: 'running', restarts: 1 }), { timeout: 10_000 });
        expect((await query.explain()).index).toBe('project+n');
        expect((await query.run()).map((d) => d.key)).toEqual(['t01', 't03', 't05', 't07', 't09']);
      });
    }

    it('warns once when a large collection is queried without an index', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const node = await h.node('n1', { datasets: { primary: { worker: false } } });
        const docs = node.collection('docs');
        await docs.putMany(Array.from({ length: 5_001 }, (_, i) => ({ key: `d${i}`, value: { n: i } })));
        await docs.query({ where: { n: 3 } }).run();
        await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
        expect(String(warn.mock.calls[0]![0])).toContain(`indexes: ['n']`);
        await docs.query({ where: { n: 4 } }).run();
        await new Promise((r) => setTimeout(r, 50));
        expect(warn).toHaveBeenCalledTimes(1);
      } finally {
        warn.mockRestore();
      }
    });
  });
}
