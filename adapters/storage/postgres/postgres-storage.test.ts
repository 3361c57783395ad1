import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { reopenable, runStorageContractTests } from '../../../src/store/contract/index.ts';
import { startPostgres, type PostgresServer } from '../../../test/postgres/throwaway-cluster.ts';
import { postgresStorage } from './index.ts';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

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
