import { SignJWT } from 'jose';
import postgres from 'postgres';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { postgresStorage } from '../../adapters/storage/postgres/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { listen, type Listener } from '../../adapters/transport/websocket/node/server.ts';
import { createNode, type SyncNode } from '../../src/index.ts';
import { postgresForSuite } from '../postgres/suite-server.ts';

/*
 * A revocation made on one hub of a cluster holds on every hub: two JWT hubs over one PostgreSQL,
 * in this process, on 127.0.0.1.
 */

const SECRET = 'a-long-enough-hmac-secret-for-cluster-revocation';
const server = postgresForSuite();
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
});

function token(sub: string): Promise<string> {
  return new SignJWT({ datasets: ['primary'] }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
}

async function hub(nodeId: string): Promise<{ node: SyncNode; url: string }> {
  const node = await createNode({ nodeId, storage: postgresStorage({ url: server.url }), datasets: { primary: { worker: false } }, auth: { jwt: { secret: SECRET } } });
  const listener: Listener = await listen(node, { port: 0, host: '127.0.0.1' });
  open.push(node, listener);
  return { node, url: listener.url };
}

async function client(nodeId: string, url: string, jwt: string): Promise<SyncNode> {
  const node = await createNode({ nodeId, storage: memoryStorage(), peers: [websocket(url, { token: jwt })] });
  open.push(node);
  return node;
}

describe('revocations across hubs over one PostgreSQL', () => {
  it('refuses, on every hub, a token issued before a revocation made on one of them', async () => {
    const [a, b] = [await hub('hub-a'), await hub('hub-b')];
    const old = await token('ursula');
    const before = await client('ursula', b.url, old);
    expect((await before.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    await before.close();

    await a.node.revoke('ursula', 'primary');
    const after = await client('ursula', b.url, old);
    expect((await after.syncNow())[0]!.peers[0]).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    // Another principal is not affected.
    const other = await client('victor', b.url, await token('victor'));
    expect((await other.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
  });

  it('closes the open connections of a revoked principal on the other hubs too', async () => {
    const [a, b] = [await hub('hub-c'), await hub('hub-d')];
    const live = await client('wanda', b.url, await token('wanda'));
    const heard: string[] = [];
    live.on('dataset-revoked', (event) => heard.push(event.reason));
    expect((await live.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    // b listens for revocations from its first handshake (wanda's); a holds none of wanda's connections.
    expect(await a.node.revoke('wanda', 'primary')).toBe(0);
    await vi.waitFor(() => expect(heard).toEqual([expect.stringContaining('dataset_not_granted')]), { timeout: 10_000, interval: 50 });
    expect((await live.metrics()).primary!.peers[0]!.connected).toBe(false);
  });

  it('takes an announcement only as a hint: a forged NOTIFY closes nothing and refuses no one', async () => {
    const b = await hub('hub-e');
    const live = await client('xena', b.url, await token('xena'));
    const heard: string[] = [];
    live.on('dataset-revoked', (event) => heard.push(event.reason));
    expect((await live.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    // Anyone who can reach the database can NOTIFY: here, a revocation dated far in the future.
    const sql = postgres(server.url, { max: 1 });
    try {
      await sql.notify('sluice_*node', JSON.stringify({ w: 'forger', t: 'revocation', m: { principal: 'xena', datasetId: 'primary', at: 9e12 } }));
    } finally {
      await sql.end();
    }
    // Answered only once the notification has been handled: b reads the (absent) record, and keeps xena.
    const other = await client('xena-2', b.url, await new SignJWT({ datasets: ['primary'], nodes: ['xena-2'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('xena').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET)));
    expect((await other.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    await live.collection('todos').put('still', { n: 1 });
    expect((await live.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(heard).toEqual([]);
    expect((await live.metrics()).primary!.peers[0]!.connected).toBe(true);
  });
});

