import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { CommitNotice } from '../../../src/store/storage-adapter.ts';
import { makeChain, reopenable, runStorageContractTests } from '../../../src/store/contract/index.ts';
import { postgresForSuite } from '../../../test/postgres/suite-server.ts';
import { postgresStorage } from './index.ts';

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
  // A schema per dataset: instance datasets (a dataset per user) wait for tables partitioned by dataset.
  { durable: true, sharedWriters: true, instances: false },
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
