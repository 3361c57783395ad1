import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { createNode, type SyncNode } from '../../src/index.ts';
import { postgresForSuite } from '../postgres/suite-server.ts';
import { HubCluster } from './hub-cluster.ts';

/*
 * Three `sluice hub --postgres` processes over one database, thirty clients spread across them,
 * random writes, and SIGKILL of hubs in the middle of pushes. Afterwards every write is stored
 * exactly once, the database and every client hold the same documents, and every client's own
 * writes are there: a hub dying loses nothing a client wrote.
 */

const CLIENTS = 30;
const SHARED_KEYS = 8;

interface Write {
  readonly client: number;
  /** A key every client writes (conflicts), or one of the writer's own. */
  readonly shared: boolean;
  readonly slot: number;
}

const schedule = fc.record({
  writes: fc.array(fc.record({ client: fc.integer({ min: 0, max: CLIENTS - 1 }), shared: fc.boolean(), slot: fc.integer({ min: 0, max: SHARED_KEYS - 1 }) }), { minLength: 120, maxLength: 200 }),
  kills: fc.array(fc.record({ at: fc.integer({ min: 5, max: 115 }), hub: fc.integer({ min: 0, max: 2 }), downMs: fc.integer({ min: 50, max: 800 }) }), { minLength: 2, maxLength: 4 }),
});

const server = postgresForSuite();

describe('a cluster of hubs over one PostgreSQL', () => {
  it('converges with nothing lost while hubs are SIGKILLed mid-push', async () => {
    await fc.assert(
      fc.asyncProperty(schedule, async ({ writes, kills }) => {
        await runScenario(server.url, writes, kills);
      }),
      { numRuns: 2, endOnFailure: true },
    );
  }, 300_000);
});

async function runScenario(url: string, writes: readonly Write[], kills: readonly { at: number; hub: number; downMs: number }[]): Promise<void> {
  const db = postgres(url, { max: 2, onnotice: () => undefined });
  await db.unsafe('DROP SCHEMA IF EXISTS sluice_primary CASCADE');
  const cluster = await HubCluster.start(url, 3);
  const clients: SyncNode[] = [];
  const restarts: Promise<void>[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) {
      // Each client prefers a different hub and fails over along the rest of the list.
      const urls = cluster.urls.map((_, j) => cluster.urls[(i + j) % cluster.size]!);
      clients.push(await createNode({ storage: memoryStorage(), peers: [websocket(urls)] }));
    }
    const expected = new Map<string, unknown>();
    const written = new Map<string, unknown[]>();
    const pending: Promise<unknown>[] = [];
    for (const [n, w] of writes.entries()) {
      for (const k of kills.filter((k) => k.at === n)) {
        restarts.push(cluster.kill(k.hub).then(() => sleep(k.downMs)).then(() => cluster.restart(k.hub)));
      }
      const key = w.shared ? `shared-${w.slot}` : `c${w.client}-${n}`;
      const value = { by: w.client, n };
      if (!w.shared) expected.set(key, value);
      if (!written.has(key)) written.set(key, []);
      written.get(key)!.push(value);
      pending.push(clients[w.client]!.collection('todos').put(key, value));
      // Bursts of writes with pushes in flight between them, so kills land mid-push.
      if (n % 8 === 7) await sleep(15);
    }
    await Promise.all(pending);
    await Promise.all(restarts);

    const stored = await converge(db, clients, writes.length);
    for (const [key, value] of expected) expect(stored.get(key), `client write ${key}`).toEqual(value);
    for (const [key, value] of stored) expect(written.get(key)?.some((v) => isDeepStrictEqual(v, value)), `${key} holds a value someone wrote`).toBe(true);
    for (const [i, client] of clients.entries()) {
      const held = new Map((await client.collection('todos').all()).map((d) => [d.key, d.value]));
      expect(held, `client ${i}`).toEqual(stored);
    }
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(restarts.map((r) => r.catch(() => undefined)));
    await cluster.stop();
    await db.end();
  }
}

/**
 * Waits until the database holds every write once and every client holds what the database
 * holds, asking each client for a round meanwhile. Returns the database's documents.
 */
async function converge(db: postgres.Sql, clients: readonly SyncNode[], writes: number): Promise<Map<string, unknown>> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    await Promise.all(clients.map((c) => c.syncNow().catch(() => undefined)));
    const [{ n }] = (await db`SELECT count(*)::int AS n FROM sluice_primary.oplog`) as unknown as [{ n: number }];
    const rows = await db`SELECT key, value FROM sluice_primary.documents WHERE collection = 'todos' AND NOT deleted`;
    const stored = new Map<string, unknown>(rows.map((r) => [r.key as string, r.value]));
    let agreed = n === writes;
    if (agreed) {
      for (const client of clients) {
        const held = await client.collection('todos').all();
        if (held.length !== stored.size || held.some((d) => !isDeepStrictEqual(d.value, stored.get(d.key)))) agreed = false;
      }
    }
    if (agreed) return stored;
    if (Date.now() > deadline) {
      expect(n, 'entries stored in PostgreSQL, each write once').toBe(writes);
      return stored;
    }
    await sleep(200);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
