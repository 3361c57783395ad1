/*
 * `npm run bench -- query`, the browser half: the same indexed read on real IndexedDB, through raw
 * Dexie and through sluice's Dexie adapter (its storage port, as a dataset worker calls it).
 */
import { Dexie } from 'dexie';
import { dexieStorage } from 'sluice/dexie/engine';
import { timeInterleaved } from '../../bench/support/interleaved.ts';
import { normalizeIndexes, normalizeQuery, planQuery, type StoredDocument } from 'sluice/ports';

export interface QueryBenchResult {
  readonly rawP50: number;
  readonly portP50: number;
}

declare global {
  interface Window {
    __queryBench?: (docs: number, projects: number, queries: number, limit: number) => Promise<QueryBenchResult>;
  }
}

const keyOf = (i: number) => `k${String(i).padStart(6, '0')}`;

window.__queryBench = async (docs, projects, queries, limit) => {
  const valueOf = (i: number) => ({ project: `p${i % projects}`, n: i, title: `item ${i}`, done: i % 7 === 0 });
  const projectFor = (q: number) => `p${(q * 37) % projects}`;

  const raw = new Dexie('query-bench-raw');
  raw.version(1).stores({ items: 'key, [project+n]' });
  await raw.open();
  for (let i = 0; i < docs; i += 5_000) {
    await raw.table('items').bulkPut(Array.from({ length: Math.min(5_000, docs - i) }, (_, j) => ({ key: keyOf(i + j), project: valueOf(i + j).project, n: i + j, value: JSON.stringify(valueOf(i + j)) })));
  }
  const storage = dexieStorage({ name: 'query-bench-sluice' });
  const store = storage.open('primary');
  const indexes = normalizeIndexes([['project', 'n']]);
  await store.documents.ensureIndexes('items', indexes);
  for (let i = 0; i < docs; i += 5_000) {
    const documents: StoredDocument[] = Array.from({ length: Math.min(5_000, docs - i) }, (_, j) => ({ collection: 'items', key: keyOf(i + j), value: valueOf(i + j), hlc: { wall: 1, logic: 0, nodeId: 'bench' }, deleted: false }));
    await store.documents.applyBatch({ documents, entries: [] });
  }
  const [rawP50, portP50] = await timeInterleaved([
    async (q) =>
      (await raw.table('items').where('[project+n]').between([projectFor(q), Dexie.minKey], [projectFor(q), Dexie.maxKey]).limit(limit).toArray()).map((r: { key: string; value: string }) => ({ key: r.key, value: JSON.parse(r.value) })),
    (q) => store.documents.query('items', planQuery(normalizeQuery({ where: { project: projectFor(q) }, orderBy: 'n', limit }), indexes)),
  ], queries, 20);
  raw.close();
  await storage.close();
  return { rawP50: rawP50!, portP50: portP50! };
};
