import postgres, { type Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { normalizeIndexes } from '../../../src/store/query/index-spec.ts';
import { planQuery } from '../../../src/store/query/plan.ts';
import { normalizeQuery } from '../../../src/store/query/query-spec.ts';
import type { CommitNotice } from '../../../src/store/storage-adapter.ts';
import { documentsFor, makeChain, reopenable, runStorageContractTests } from '../../../src/store/contract/index.ts';
import { hlc } from '../../../src/store/contract/fixtures.ts';
import { postgresForSuite } from '../../../test/postgres/suite-server.ts';
import { postgresStorage } from './index.ts';
import { PARTITIONED_TABLES, PARTITIONS } from './instance-schema.ts';

const server = postgresForSuite();

let instances = 0;
/** Each instance gets schemas of its own (its own prefix); destroy drops them. */
runStorageContractTests(
  async ({ hooks, maxPayloadBytes }) => {
    const prefix = `c${process.pid}_${++instances}_`;
    const open = () => postgresStorage({ url: server.url, schemaPrefix: prefix, hooks, maxPayloadBytes, maxConnections: 4 });
    const opened: ReturnType<typeof open>[] = [];
    const instance = reopenable(open, async () => {
      for (const a of opened) await a.close().catch(() => undefined);
      const sql = postgres(server.url, { max: 1, onnotice: () => undefined });
      const schemas = await sql`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${prefix})`;
      for (const { nspname } of schemas) await sql.unsafe(`DROP SCHEMA "${nspname}" CASCADE`);
      await sql.end();
    });
    return {
      ...instance,
      get adapter() {
        return instance.adapter;
      },
      openAnother: async () => {
        opened.push(open());
        return opened.at(-1)!;
      },
    };
  },
  'postgres',
  { durable: true, sharedWriters: true },
);

describe('postgres commit notices', () => {
  it('reports every head after its listening connection was lost and re-established, since notices sent meanwhile were missed', async () => {
    const prefix = `r${process.pid}_`;
    const a = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const b = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    const heard: CommitNotice[] = [];
    try {
      const chain = makeChain('alice', 2);
      await a.open('primary').oplog.append(chain);
      const stop = await b.open('primary').watchCommits!((n) => heard.push(...n));
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'listen %' AND pid <> pg_backend_pid()`;
      await expect.poll(() => heard, { timeout: 10_000 }).toContainEqual({ author: 'alice', first: chain[1]!.hlc, last: chain[1]!.hlc, lastHash: chain[1]!.hash, count: 0 });
      // And it listens again: a new commit is heard with its range.
      const more = makeChain('bob', 1);
      await a.open('primary').oplog.append(more);
      await expect.poll(() => heard.some((n) => n.author === 'bob' && n.count === 1), { timeout: 5_000 }).toBe(true);
      await stop();
    } finally {
      await a.close();
      await b.close();
      for (const { nspname } of await admin`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${prefix})`) await admin.unsafe(`DROP SCHEMA "${nspname}" CASCADE`);
      await admin.end();
    }
  });
});

/** Drops every schema whose name starts with `prefix` (the instance schemas' "/*" included). */
async function dropSchemas(admin: Sql, prefix: string): Promise<void> {
  for (const { nspname } of await admin`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${prefix})`) await admin.unsafe(`DROP SCHEMA "${nspname}" CASCADE`);
}

interface Statement {
  readonly text: string;
  readonly params: readonly unknown[];
}

/** `sql`, noting every statement text and its parameters, inside transactions too. */
function recording(sql: Sql, seen: Statement[]): Sql {
  const wrap = <T extends object>(client: T): T =>
    new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as (...args: unknown[]) => unknown;
        if (prop === 'unsafe') {
          return (text: string, params: unknown[] = [], options?: unknown) => {
            seen.push({ text, params });
            return value.call(target, text, params, options);
          };
        }
        if (prop === 'begin') {
          return (...args: unknown[]) => {
            const work = args.pop() as (tx: object) => unknown;
            return value.call(target, ...args, (tx: object) => work(wrap(tx)));
          };
        }
        return value;
      },
    });
  return wrap(sql);
}

/** Every "Relation Name" in an EXPLAIN (FORMAT JSON) plan. */
function relationsOf(plan: unknown, out: string[] = []): string[] {
  if (Array.isArray(plan)) for (const p of plan) relationsOf(p, out);
  else if (typeof plan === 'object' && plan !== null) {
    for (const [k, v] of Object.entries(plan)) {
      if (k === 'Relation Name' && typeof v === 'string') out.push(v);
      else relationsOf(v, out);
    }
  }
  return out;
}

describe('postgres instance datasets (user/{sub}): tables partitioned by dataset', () => {
  it('stores 1,000 instances of one name, each reading only its own documents and oplog, in a fixed number of partitions', async () => {
    const prefix = `i${process.pid}_`;
    const adapter = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    const ids = Array.from({ length: 1_000 }, (_, i) => `user/u${i}`);
    const write = async (id: DatasetId) => {
      const chain = makeChain(`dev-${id.slice(5)}`, 2, { datasetId: id, values: (i) => ({ owner: id, i }) });
      await adapter.open(id).documents.applyBatch({ documents: documentsFor(chain), entries: chain });
      return chain;
    };
    // This test's schemas only (with their TOAST tables, kept in pg_toast): other suites may share a given server.
    const catalogue = async () => {
      const [row] = await admin`
        SELECT (SELECT count(*)::integer + count(NULLIF(c.reltoastrelid, 0))::integer FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE starts_with(n.nspname, ${prefix})) AS relations,
               (SELECT count(*)::integer FROM pg_namespace WHERE starts_with(nspname, ${prefix})) AS schemas,
               (SELECT count(*)::integer FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ${`${prefix}user/*`} AND c.relkind = 'r' AND c.relispartition) AS partitions`;
      return row as { relations: number; schemas: number; partitions: number };
    };
    try {
      const chains = new Map<DatasetId, ReturnType<typeof makeChain>>();
      for (const id of ids.slice(0, 10)) chains.set(id, await write(id));
      const early = await catalogue();
      for (let i = 10; i < ids.length; i += 25) {
        const batch = ids.slice(i, i + 25);
        const written = await Promise.all(batch.map(write));
        batch.forEach((id, j) => chains.set(id, written[j]!));
      }
      const late = await catalogue();
      // One schema, PARTITIONS partitions per table, and not one relation more for 990 more datasets.
      expect(late).toEqual({ relations: early.relations, schemas: 1, partitions: PARTITIONED_TABLES.length * PARTITIONS });

      for (let i = 0; i < ids.length; i += 25) {
        await Promise.all(
          ids.slice(i, i + 25).map(async (id) => {
            const store = adapter.open(id);
            const chain = chains.get(id)!;
            expect((await store.documents.list('todos')).map((d) => d.value)).toEqual([{ owner: id, i: 0 }, { owner: id, i: 1 }]);
            expect((await store.oplog.entriesAfter(null)).map((e) => e.hash)).toEqual(chain.map((e) => e.hash));
            expect(await store.oplog.heads()).toEqual([{ nodeId: chain[1]!.hlc.nodeId, hlc: chain[1]!.hlc, hash: chain[1]!.hash }]);
          }),
        );
      }
      // The rows are spread over the partitions (hash of the dataset id), each dataset's in one of them.
      const spread = await admin.unsafe(`SELECT tableoid::regclass::text AS partition, count(DISTINCT dataset_id)::integer AS datasets FROM "${prefix}user/*".documents GROUP BY 1`);
      expect(spread).toHaveLength(PARTITIONS);
      expect(spread.reduce((n, r) => n + Number(r.datasets), 0)).toBe(ids.length);
    } finally {
      await adapter.close();
      await dropSchemas(admin, prefix);
      await admin.end();
    }
  }, 120_000);

  it('runs every statement of an instance against one partition: each filters on its dataset_id', async () => {
    const prefix = `e${process.pid}_`;
    const id = 'user/Ann';
    const schema = `${prefix}user/*`;
    const client = postgres(server.url, { max: 4, onnotice: () => undefined });
    const seen: Statement[] = [];
    const adapter = postgresStorage({ sql: recording(client, seen), schemaPrefix: prefix });
    try {
      // A neighbour in the same tables, so that a statement missing its filter would show in the answers too.
      const other = makeChain('bob', 2, { datasetId: 'user/bob' });
      await adapter.open('user/bob').documents.applyBatch({ documents: documentsFor(other), entries: other });
      seen.length = 0;

      const store = adapter.open(id);
      const chain = makeChain('alice', 4, { datasetId: id, values: (i) => ({ n: i }) });
      const indexes = normalizeIndexes(['n']);
      await store.documents.ensureIndexes('todos', indexes);
      await store.documents.applyBatch({ documents: documentsFor(chain), entries: chain });
      await store.documents.applyBatch({ documents: [], entries: [], resolveDocuments: { refs: [{ collection: 'todos', key: 'k0' }], resolve: ([d]) => [{ ...d!, value: { n: 10 } }] } });
      expect((await store.documents.get('todos', 'k0'))?.value).toEqual({ n: 10 });
      expect((await store.documents.getMany([{ collection: 'todos', key: 'k1' }]))[0]?.value).toEqual({ n: 1 });
      expect(await store.documents.delete('todos', 'k3')).toBe(true);
      expect((await store.documents.list('todos')).map((d) => d.key)).toEqual(['k0', 'k1', 'k2']);
      expect(await store.documents.query('todos', planQuery(normalizeQuery({ where: { n: { gte: 1 } }, orderBy: 'n' }), indexes))).toEqual([
        { key: 'k1', value: { n: 1 } },
        { key: 'k2', value: { n: 2 } },
        { key: 'k0', value: { n: 10 } },
      ]);
      expect(await store.oplog.getByHash(other[0]!.hash)).toBeUndefined();
      expect((await store.oplog.getByHash(chain[0]!.hash))?.datasetId).toBe(id);
      expect((await store.oplog.head('alice'))?.hash).toBe(chain[3]!.hash);
      expect(await store.oplog.heads()).toHaveLength(1);
      expect(await store.oplog.entriesByAuthorAfter('alice', chain[1]!.hlc)).toHaveLength(2);
      expect(await store.oplog.entriesAfter(chain[0]!.hlc)).toHaveLength(3);
      expect((await store.oplog.prune(chain[1]!.hlc)).removed).toBe(2);
      expect((await store.oplog.boundary('alice'))?.hash).toBe(chain[1]!.hash);
      expect(await store.oplog.boundaries()).toHaveLength(1);
      expect(await store.oplog.count()).toBe(2);
      await store.confirmations.registerPeer('hub', { address: 'wss://hub' });
      await store.confirmations.setPeerActive('hub', false);
      expect(await store.confirmations.confirm('hub', 'alice', hlc(1_001, 'alice'), 'a'.repeat(64))).toBe(true);
      expect(await store.confirmations.listPeers()).toHaveLength(1);
      expect(await store.confirmations.confirmations('hub')).toHaveLength(1);
      expect(await store.confirmations.confirmations()).toHaveLength(1);
      expect(await store.confirmations.removePeer('hub')).toBe(true);
      await store.checkpoints.set('sink', { at: 1 });
      expect(await store.checkpoints.get('sink')).toEqual({ at: 1 });
      expect(await store.checkpoints.list()).toEqual([{ name: 'sink', value: { at: 1 } }]);
      expect(await store.checkpoints.delete('sink')).toBe(true);
      const snapshot = await store.snapshots.export();
      await store.snapshots.import(snapshot, { mode: 'merge' });
      await store.snapshots.import(snapshot, { mode: 'replace' });
      expect({ ...(await store.snapshots.export()), createdAt: 0 }).toEqual({ ...snapshot, createdAt: 0 });
      const ran = seen.splice(0);
      // The neighbour kept everything.
      expect(await adapter.open('user/bob').oplog.count()).toBe(2);
      // and finds the index its name already has: no CREATE INDEX, which would hold every instance's writes.
      await adapter.open('user/bob').documents.ensureIndexes('todos', indexes);
      expect(seen.filter((s) => /CREATE INDEX/.test(s.text))).toEqual([]);

      const touching = ran.filter((s) => s.text.includes(`"${schema}".`) && !/^\s*CREATE/.test(s.text) && !s.text.includes('schema_version'));
      expect(touching.length).toBeGreaterThan(30);
      let pruned = 0;
      for (const { text, params } of touching) {
        expect(params, text).toContain(id);
        expect(text, text).toMatch(/dataset_id = \$\d+|\(dataset_id, /);
        // Planned with its parameters, as the adapter's statements are: an unfiltered scan would list all PARTITIONS.
        const [row] = await client.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params as never[]);
        const partitions = new Set(relationsOf(row!['QUERY PLAN']).filter((r) => /_p\d+$/.test(r)).map((r) => r.replace(/^.*_p/, '')));
        expect(partitions.size, text).toBeLessThanOrEqual(1);
        pruned += partitions.size;
      }
      // Inserts route their rows when they run, so only the reads, updates and deletes name their partition in the plan.
      expect(pruned).toBeGreaterThan(20);
    } finally {
      await adapter.close();
      await dropSchemas(client, prefix);
      await client.end();
    }
  });

  it("tells the other writers which instance a commit was to, over the name's one channel", async () => {
    const prefix = `n${process.pid}_`;
    const a = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const b = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    const heard = new Map<string, CommitNotice[]>([['user/u1', []], ['user/u2', []], ['user', []]]);
    try {
      const stops = await Promise.all([...heard].map(([id, notices]) => b.open(id).watchCommits!((n) => notices.push(...n))));
      const one = makeChain('alice', 2, { datasetId: 'user/u1' });
      await a.open('user/u1').oplog.append(one);
      await expect.poll(() => heard.get('user/u1')).toEqual([{ author: 'alice', first: one[0]!.hlc, last: one[1]!.hlc, lastHash: one[1]!.hash, count: 2 }]);
      // The instance's watcher stopping leaves its neighbours listening on the shared channel.
      await stops[0]!();
      const two = makeChain('bob', 1, { datasetId: 'user/u2' });
      await a.open('user/u2').oplog.append(two);
      const plainUser = makeChain('carol', 1, { datasetId: 'user' });
      await a.open('user').oplog.append(plainUser);
      await expect.poll(() => heard.get('user/u2')!.map((n) => n.author)).toEqual(['bob']);
      await expect.poll(() => heard.get('user')!.map((n) => n.author)).toEqual(['carol']);
      expect(heard.get('user/u1')!.map((n) => n.author)).toEqual(['alice']);
      await Promise.all(stops.slice(1).map((stop) => stop()));
    } finally {
      await a.close();
      await b.close();
      await dropSchemas(admin, prefix);
      await admin.end();
    }
  });

  it('keeps the per-dataset layout for datasets of their own, and the same columns plus dataset_id for instances', async () => {
    const prefix = `l${process.pid}_`;
    const adapter = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    try {
      await adapter.open('primary').checkpoints.set('c', 1);
      await adapter.open('user/u1').checkpoints.set('c', 1);
      const columns = async (schema: string) =>
        (await admin`SELECT table_name, column_name, data_type, collation_name FROM information_schema.columns WHERE table_schema = ${schema} ORDER BY table_name, ordinal_position`)
          .filter((r) => !/_p\d+$/.test(r.table_name as string))
          .map((r) => ({ ...r }));
      const own = await columns(`${prefix}primary`);
      const shared = await columns(`${prefix}user/*`);
      expect(own.some((c) => c.column_name === 'dataset_id')).toBe(false);
      const perTable = (rows: typeof own, table: string) => rows.filter((r) => r.table_name === table).map(({ column_name, data_type, collation_name }) => ({ column_name, data_type, collation_name }));
      for (const table of PARTITIONED_TABLES) {
        expect(perTable(shared, table), table).toEqual([{ column_name: 'dataset_id', data_type: 'text', collation_name: 'C' }, ...perTable(own, table)]);
      }
      const kinds = await admin`SELECT n.nspname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'documents' AND starts_with(n.nspname, ${prefix}) ORDER BY 1`;
      expect(kinds.map((r) => ({ ...r }))).toEqual([
        { nspname: `${prefix}primary`, relkind: 'r' },
        { nspname: `${prefix}user/*`, relkind: 'p' },
      ]);
    } finally {
      await adapter.close();
      await dropSchemas(admin, prefix);
      await admin.end();
    }
  });

  it('release forgets an idle instance, and its next call finds its rows again', async () => {
    const prefix = `x${process.pid}_`;
    const adapter = postgresStorage({ url: server.url, schemaPrefix: prefix });
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    try {
      const before = adapter.open('user/u1');
      await before.checkpoints.set('c', 7);
      await adapter.release!('user/u1');
      const after = adapter.open('user/u1');
      expect(after).not.toBe(before);
      expect(await after.checkpoints.get('c')).toBe(7);
    } finally {
      await adapter.close();
      await dropSchemas(admin, prefix);
      await admin.end();
    }
  });

  it('refuses an instance whose shared schema name would not fit 63 bytes, with invalid_dataset_id', async () => {
    const adapter = postgresStorage({ url: server.url, schemaPrefix: 'abcdefghijklmno' });
    try {
      const name = 'a'.repeat(48);
      await expect(adapter.open(`${name}/u1`).checkpoints.get('c')).rejects.toMatchObject({ code: 'invalid_dataset_id', details: { datasetId: `${name}/u1` } });
    } finally {
      await adapter.close();
    }
  });
});
