import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresStorage } from '../../adapters/storage/postgres/index.ts';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { createNode, type SyncNode } from '../../src/index.ts';
import { postgresForSuite } from '../postgres/suite-server.ts';
import { HubCluster } from './hub-cluster.ts';

// After-hooks run in reverse order: the hubs stop before the server does.
const server = postgresForSuite();
let cluster: HubCluster;
const nodes: SyncNode[] = [];
beforeAll(async () => {
  cluster = await HubCluster.start(server.url, 2, 'primary,logs');
}, 120_000);
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close().catch(() => undefined)));
  await cluster?.stop();
});

async function client(url: string): Promise<SyncNode> {
  // Append datasets only push by default: this client also reads the hub's logs.
  const node = await createNode({ storage: memoryStorage(), peers: [websocket(url)], datasets: { primary: {}, logs: { kind: 'append', direction: 'both' } } });
  nodes.push(node);
  await node.syncNow();
  return node;
}

describe('hubs over one PostgreSQL', () => {
  it('push a commit on one hub to the live clients of the other, without a round being asked for', async () => {
    const [a, b] = cluster.urls as [string, string];
    const writer = await client(a);
    const reader = await client(b);
    const seen: { key: string; value: unknown; origin: string }[] = [];
    reader.collection('todos').subscribe((changes) => seen.push(...changes));
    await writer.collection('todos').put('live', { n: 1 });
    await vi.waitFor(() => expect(seen).toContainEqual({ key: 'live', value: { n: 1 }, origin: 'remote' }), { timeout: 5_000, interval: 20 });
    // Append datasets too: records committed through one hub reach a reader on the other.
    await writer.dataset('logs').append([{ msg: 'hello' }]);
    await writer.dataset('logs').flush();
    await vi.waitFor(async () => expect((await reader.dataset('logs').records()).records).toContainEqual({ msg: 'hello' }), { timeout: 5_000, interval: 50 });
  });

  it('let a backend write as a node through postgresStorage and read the same rows with SQL', async () => {
    const [a] = cluster.urls as [string];
    const reader = await client(a);
    const seen: string[] = [];
    reader.collection('orders').subscribe((changes) => seen.push(...changes.map((c) => c.key)));
    // A backend process: its own node id, the hubs' database, no listener of its own.
    const backend = await createNode({ nodeId: 'backend-1', storage: postgresStorage({ url: server.url }), datasets: { primary: { worker: false } } });
    nodes.push(backend);
    await backend.collection('orders').put('o-1', { total: 42, status: 'paid' });
    await vi.waitFor(() => expect(seen).toContain('o-1'), { timeout: 5_000, interval: 20 });
    expect(await reader.collection('orders').get('o-1')).toEqual({ total: 42, status: 'paid' });
    const sql = postgres(server.url, { max: 1 });
    try {
      const rows = await sql`SELECT value->>'status' AS status, deleted FROM sluice_primary.documents WHERE collection = 'orders' AND key = 'o-1'`;
      expect(rows).toEqual([{ status: 'paid', deleted: false }]);
    } finally {
      await sql.end();
    }
  });

  it('refuses a node on shared storage without a node id of its own', async () => {
    await expect(createNode({ storage: postgresStorage({ url: server.url }) })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'nodeId' } });
  });
});
