/*
 * tenants: a dataset per user on one Node hub (the template user/{sub}, JWT auth), against one
 * dataset all users share, on the same hub and storage in the same run; once with the hub on
 * SQLite (a file per user dataset) and once on PostgreSQL (postgresStorage: every user's rows in
 * one schema whose tables are partitioned by dataset), each hub a fresh process.
 *
 *   npm run bench -- tenants [--users 10000] [--concurrency 50] [--storage both|sqlite|postgres]
 *
 * - handshake: USERS clients, CONCURRENCY at a time, each with its own JWT: create a node, write
 *   one document, sync once, close. Timed from createNode to the end of that first round (dial,
 *   handshake, the hub opening the user's dataset, one push). Then the same for the shared dataset,
 *   whose clients only upload (they would otherwise pull everyone's documents, a different cost).
 * - hub: RSS and open file descriptors of the hub process after each phase, and how many datasets
 *   it holds open (idle ones beyond maxOpenDatasets, default 1,000, are closed). On PostgreSQL also
 *   the size of the server's catalogue (pg_class rows), which must not grow with users.
 * - live: two devices of one user (one sub, two node ids its token lists) through the hub, WRITES
 *   puts one at a time, each from put() to the other device's change event; the same for two users
 *   of the shared dataset. ratio = per-user / shared, on the same storage.
 * - storage (both storages only): PostgreSQL's per-user figures over SQLite's.
 *
 * PostgreSQL is a throwaway server started with initdb on loopback, or SLUICE_POSTGRES_URL (see
 * test/postgres/throwaway-cluster.ts); the hub's schemas are dropped afterwards. Every line says
 * which storage it measured. Prints JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { startPostgres } from '../test/postgres/throwaway-cluster.ts';
import { percentiles, type Latencies } from './support/latency.ts';

const SECRET = 'bench-tenants-hmac-secret-of-enough-length';
const WRITES = 100;
const STORAGES = ['sqlite', 'postgres'] as const;
type Storage = (typeof STORAGES)[number];
/** The hub's schemas on PostgreSQL: per run, so that a given server (SLUICE_POSTGRES_URL) is left as it was. */
const SCHEMA_PREFIX = `tenants${process.pid}_`;

interface Measured {
  readonly handshake: Latencies;
  readonly live: Latencies;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { users: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '50' }, storage: { type: 'string', default: 'both' } } });
  const users = Number(values.users);
  const concurrency = Number(values.concurrency);
  const storages: readonly Storage[] = values.storage === 'both' ? STORAGES : STORAGES.filter((s) => s === values.storage);
  if (storages.length === 0) throw new Error(`--storage must be both, sqlite or postgres, got ${values.storage}`);
  const server = storages.includes('postgres') ? await startPostgres() : undefined;
  try {
    const results = new Map<Storage, Measured>();
    for (const storage of storages) results.set(storage, await measure(storage, users, concurrency, server?.url));
    const pg = results.get('postgres');
    const lite = results.get('sqlite');
    if (pg && lite) {
      console.log(JSON.stringify({ bench: 'tenants', case: 'storage', users, postgres_over_sqlite_handshake_p50: round(pg.handshake.p50 / lite.handshake.p50), postgres_over_sqlite_handshake_p95: round(pg.handshake.p95 / lite.handshake.p95), postgres_over_sqlite_live_p50: round(pg.live.p50 / lite.live.p50), postgres_over_sqlite_live_p95: round(pg.live.p95 / lite.live.p95) }));
    }
  } finally {
    await server?.stop();
  }
}

/** One hub on `storage`: the per-user phase, then the shared one, then live writes; three JSON lines. */
async function measure(storage: Storage, users: number, concurrency: number, postgresUrl: string | undefined): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tenants-'));
  const hub = await startTenantHub(dir, storage, postgresUrl);
  try {
    const start = await hub.stats();
    const perUser = await handshakes(hub.url, users, concurrency, (i) => `user/u${i}`);
    const afterUsers = await hub.stats();
    const shared = await handshakes(hub.url, users, concurrency, () => 'primary', true);
    const afterShared = await hub.stats();
    console.log(JSON.stringify({ bench: 'tenants', storage, case: 'handshake', users, concurrency, per_user_p50_ms: round(perUser.p50), per_user_p95_ms: round(perUser.p95), shared_p50_ms: round(shared.p50), shared_p95_ms: round(shared.p95), ratio_p50: round(perUser.p50 / shared.p50), ratio_p95: round(perUser.p95 / shared.p95) }));
    console.log(JSON.stringify({ bench: 'tenants', storage, case: 'hub', at_start: start, after_user_datasets: afterUsers, after_shared: afterShared }));
    const own = await live(hub.url, 'user/u0', ['u0', 'u0'], ['u0-phone', 'u0-laptop']);
    const common = await live(hub.url, 'primary', ['s-a', 's-b'], ['s-a', 's-b']);
    console.log(JSON.stringify({ bench: 'tenants', storage, case: 'live', writes: WRITES, per_user_p50_ms: round(own.p50), per_user_p95_ms: round(own.p95), shared_p50_ms: round(common.p50), shared_p95_ms: round(common.p95), ratio_p50: round(own.p50 / common.p50), ratio_p95: round(own.p95 / common.p95) }));
    return { handshake: perUser, live: own };
  } finally {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
    if (postgresUrl !== undefined && storage === 'postgres') await dropSchemas(postgresUrl);
  }
}

async function dropSchemas(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    for (const { nspname } of await sql`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${SCHEMA_PREFIX})`) await sql.unsafe(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await sql.end();
  }
}

function token(sub: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
}

/**
 * `pushOnly` for the shared dataset: its clients upload and do not pull the others' documents, so
 * both phases time the same work (dial, handshake, vector clocks, one push), not the shared
 * dataset's growing history.
 */
async function handshakes(url: string, users: number, concurrency: number, datasetOf: (i: number) => string, pushOnly = false): Promise<Latencies> {
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < users; i = next++) {
      const datasetId = datasetOf(i);
      const sub = `u${i}`;
      const jwt = await token(sub, { datasets: ['primary'] });
      const startedAt = performance.now();
      const node = await createNode({ nodeId: sub, storage: memoryStorage(), peers: [websocket(url, { token: jwt })], datasets: { [datasetId]: pushOnly ? { direction: 'push' } : {} } });
      await node.collection('notes', undefined, datasetId).put(`from-${sub}`, { i });
      const [report] = await node.syncNow();
      samples.push(performance.now() - startedAt);
      await node.close();
      if (!report!.peers[0]!.ok) throw new Error(`${sub} could not sync ${datasetId}: ${report!.peers[0]!.error}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return percentiles(samples);
}

/** Two devices through the hub; each write is timed until the other device commits it. */
async function live(url: string, datasetId: string, subs: [string, string], nodeIds: [string, string]): Promise<Latencies> {
  const open = async (sub: string, nodeId: string) =>
    createNode({ nodeId, storage: memoryStorage(), peers: [websocket(url, { token: await token(sub, { datasets: ['primary'], nodes: nodeIds }) })], datasets: { [datasetId]: {} } });
  const writer: SyncNode = await open(subs[0], nodeIds[0]);
  const reader: SyncNode = await open(subs[1], nodeIds[1]);
  try {
    await writer.syncNow();
    await reader.syncNow();
    const samples: number[] = [];
    for (let i = 0; i < WRITES + 10; i++) {
      const key = `live-${i}`;
      const seen = new Promise<void>((resolve) => {
        const stop = reader.collection('notes', undefined, datasetId).subscribe((changes) => {
          if (changes.some((c) => c.key === key)) {
            stop();
            resolve();
          }
        });
      });
      const startedAt = performance.now();
      await writer.collection('notes', undefined, datasetId).put(key, { i });
      await seen;
      samples.push(performance.now() - startedAt);
    }
    return percentiles(samples.slice(10));
  } finally {
    await writer.close();
    await reader.close();
  }
}

interface TenantHub {
  readonly url: string;
  stats(): Promise<unknown>;
  stop(): Promise<void>;
}

async function startTenantHub(dir: string, storage: Storage, postgresUrl: string | undefined): Promise<TenantHub> {
  const storageArgs = storage === 'postgres' ? ['postgres', postgresUrl!, SCHEMA_PREFIX] : ['sqlite'];
  const child: ChildProcess = spawn(process.execPath, ['--conditions=sluice-source', '--import', 'tsx', new URL('./support/tenant-hub.ts', import.meta.url).pathname, dir, SECRET, ...storageArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => (lines.length > 0 ? resolve(lines.shift()!) : waiters.push(resolve)));
  const first = await nextLine();
  const url = /listening on (\S+)/.exec(first)?.[1];
  if (!url) throw new Error(`tenant hub did not start: ${first}`);
  return {
    url,
    stats: async () => {
      child.stdin!.write('stats\n');
      return JSON.parse(await nextLine()) as unknown;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
