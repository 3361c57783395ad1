import { connect } from 'node:net';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import type { Principal } from '../../src/sync/auth.ts';
import { listen } from '../../adapters/transport/websocket/node/server.ts';
import { Harness } from '../sync/harness.ts';

/*
 * Authentication comes first, on the thread that accepts the socket: JWT (jose) or a shared token,
 * the node id a principal may act as, grants per dataset, connections per principal, and a
 * handshake deadline for silent sockets. In-process hubs on 127.0.0.1.
 */

const SECRET = 'a-long-enough-hmac-secret-for-tests-only';
const key = new TextEncoder().encode(SECRET);

async function jwt(claims: Record<string, unknown>, sub: string, options: { expiresIn?: string; issuer?: string; audience?: string; secret?: Uint8Array } = {}): Promise<string> {
  let token = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(options.expiresIn ?? '5m');
  if (options.issuer) token = token.setIssuer(options.issuer);
  if (options.audience) token = token.setAudience(options.audience);
  return token.sign(options.secret ?? key);
}

describe('hub authentication', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function jwtHub(extra: Record<string, unknown> = {}) {
    return h.hub('hub', { storage: memoryStorage(), datasets: { primary: {}, logs: { kind: 'append', worker: false } }, auth: { jwt: { secret: SECRET, issuer: 'https://auth.test', audience: 'sluice' }, ...extra } });
  }

  async function round(url: string, nodeId: string, token: string, dataset = 'primary') {
    const node = await h.node(nodeId, { storage: memoryStorage(), peers: [h.peer(url, token)], datasets: { primary: {}, logs: { kind: 'append', worker: false } } });
    if (dataset === 'primary') await node.collection('todos').put(`${nodeId}-k`, { by: nodeId });
    const reports = await node.syncNow(dataset);
    return reports[0]!.peers[0]!;
  }

  const good = (sub: string, claims: Record<string, unknown> = { datasets: ['primary'] }) => jwt(claims, sub, { issuer: 'https://auth.test', audience: 'sluice' });

  it('accepts a valid JWT whose sub is the node id, and the hub stores the write', async () => {
    const hub = await jwtHub();
    expect(await round(hub.url, 'alice', await good('alice'))).toMatchObject({ ok: true });
    expect(await hub.node.collection('todos').get('alice-k')).toEqual({ by: 'alice' });
  });

  it.each([
    ['no token', async () => ''],
    ['a token signed with another secret', () => jwt({ datasets: ['primary'] }, 'alice', { issuer: 'https://auth.test', audience: 'sluice', secret: new TextEncoder().encode('another-secret-of-sufficient-length') })],
    ['an expired token', () => jwt({ datasets: ['primary'] }, 'alice', { issuer: 'https://auth.test', audience: 'sluice', expiresIn: '-10m' })],
    ['a token from another issuer', () => jwt({ datasets: ['primary'] }, 'alice', { issuer: 'https://evil.test', audience: 'sluice' })],
    ['a token for another audience', () => jwt({ datasets: ['primary'] }, 'alice', { issuer: 'https://auth.test', audience: 'other' })],
    ['a plain shared-token string', async () => 'not-a-jwt'],
  ])('refuses %s with auth_failed, and stores nothing', async (_name, token) => {
    const hub = await jwtHub();
    const peer = await round(hub.url, 'alice', await token());
    expect(peer).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(await hub.node.collection('todos').all()).toEqual([]);
  });

  it('binds the node id to the principal: another principal\'s node id is refused, a node listed in the token is accepted', async () => {
    const hub = await jwtHub();
    expect(await round(hub.url, 'bob', await good('mallory'))).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(await hub.node.collection('todos').get('bob-k')).toBeUndefined();
    expect(await round(hub.url, 'alice-laptop', await good('alice', { datasets: ['primary'], nodes: ['alice-laptop'] }))).toMatchObject({ ok: true });
  });

  it('grants datasets from the token\'s claim, denying the rest by default', async () => {
    const hub = await jwtHub();
    const token = await good('carol', { datasets: ['primary'] });
    expect(await round(hub.url, 'carol', token, 'logs')).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await round(hub.url, 'carol2', await good('carol2', {}))).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await round(hub.url, 'dave', await good('dave', { datasets: ['*'] }), 'logs')).toMatchObject({ ok: true });
  });

  it('asks the authorize(principal, datasetId) hook with the verified principal', async () => {
    const seen: [Principal, string][] = [];
    const hub = await jwtHub({
      authorize: (principal: Principal, datasetId: string) => {
        seen.push([principal, datasetId]);
        return principal.claims.role === 'admin' || datasetId === 'primary';
      },
    });
    expect(await round(hub.url, 'erin', await good('erin', { role: 'user' }), 'logs')).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await round(hub.url, 'frank', await good('frank', { role: 'admin' }), 'logs')).toMatchObject({ ok: true });
    expect(seen.filter(([, ds]) => ds === 'logs').map(([p, ds]) => [p.id, p.verified, ds])).toEqual([
      ['erin', true, 'logs'],
      ['frank', true, 'logs'],
    ]);
  });

  it("grants read-only when the authorize hook answers 'read': the round pulls, and the write stays on the client", async () => {
    const hub = await jwtHub({ authorize: (principal: Principal) => (principal.claims.role === 'viewer' ? 'read' : 'write') });
    await h.node('writer', { storage: memoryStorage(), peers: [h.peer(hub.url, await good('writer', { role: 'editor' }))] }).then(async (w) => {
      await w.collection('todos').put('shared', { v: 1 });
      expect((await w.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    });
    const viewer = await h.node('viewer', { storage: memoryStorage(), peers: [h.peer(hub.url, await good('viewer', { role: 'viewer' }))] });
    await viewer.collection('todos').put('mine', { v: 2 });
    expect((await viewer.syncNow())[0]!.peers[0]).toMatchObject({ ok: true, pushed: 0 });
    expect(await viewer.collection('todos').get('shared')).toEqual({ v: 1 });
    expect(await hub.node.collection('todos').get('mine')).toBeUndefined();
  });

  it('caps open connections per principal, refusing the one over the cap with too_many_connections', async () => {
    const hub = await jwtHub({ maxConnectionsPerPrincipal: 2 });
    const token = await good('gina', { datasets: ['primary'], nodes: ['gina-1', 'gina-2', 'gina-3'] });
    const nodes = [];
    for (const id of ['gina-1', 'gina-2']) {
      const node = await h.node(id, { storage: memoryStorage(), peers: [h.peer(hub.url, token)] });
      expect((await node.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
      nodes.push(node);
    }
    expect(await round(hub.url, 'gina-3', token)).toMatchObject({ ok: false, code: 'too_many_connections' });
    // another principal is not affected
    expect(await round(hub.url, 'hank', await good('hank'))).toMatchObject({ ok: true });
  });

  it('keeps the shared token for development, compared in constant time; a wrong one is auth_failed', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: 'dev-token' } });
    expect(await round(hub.url, 'ivy', 'dev-token')).toMatchObject({ ok: true });
    expect(await round(hub.url, 'jack', 'wrong')).toMatchObject({ ok: false, code: 'auth_failed' });
  });

  it('refuses a token without an expiry, which would be valid forever', async () => {
    const hub = await jwtHub();
    const forever = await new SignJWT({ datasets: ['primary'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('kim').setIssuer('https://auth.test').setAudience('sluice').sign(key);
    expect(await round(hub.url, 'kim', forever)).toMatchObject({ ok: false, code: 'auth_failed' });
  });

  it('refuses to start with a JWT configuration that cannot verify anything', async () => {
    await expect(h.hub('bad4', { storage: memoryStorage(), auth: { jwt: { jwks: 'not a url' } } })).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(h.hub('bad5', { storage: memoryStorage(), auth: { jwt: { secret: 42 as never } } })).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(h.hub('bad', { storage: memoryStorage(), auth: { jwt: {} } })).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(h.hub('bad2', { storage: memoryStorage(), auth: { jwt: { publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' } } })).rejects.toMatchObject({ code: 'invalid_options' });
    // a key that only fails when jose imports it still fails at start, not at the first handshake
    await expect(h.hub('bad3', { storage: memoryStorage(), auth: { jwt: { publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----', algorithms: ['EdDSA'] } } })).rejects.toMatchObject({ code: 'invalid_options' });
    const node = await h.node('listener', { storage: memoryStorage() });
    await expect(listen(node, { port: 0, auth: { jwt: { publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'not-a-key' }, algorithms: ['EdDSA'] } } })).rejects.toMatchObject({ code: 'invalid_options' });
  });
});

describe('silent and half-open sockets', () => {
  const h = new Harness();
  afterEach(() => h.close());

  function openSocket(url: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }

  it('closes WebSocket connections that never send a handshake (4408), while honest clients connect meanwhile', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: 't' } }, { handshakeTimeoutMs: 500 });
    const silent = await Promise.all(Array.from({ length: 100 }, () => openSocket(hub.url)));
    const codes = silent.map((ws) => new Promise<number>((resolve) => ws.once('close', resolve)));
    const honest = await h.node('honest', { storage: memoryStorage(), peers: [h.peer(hub.url, 't')] });
    await honest.collection('todos').put('k', 1);
    expect((await honest.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(new Set(await Promise.all(codes))).toEqual(new Set([4408]));
    // the honest client's connection is the only one left, once the server has seen the closes through
    await vi.waitFor(() => expect(hub.listener.connections()).toBe(1));
  });

  it('cuts HTTP requests that never finish their headers', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage() }, { handshakeTimeoutMs: 500 });
    const socket = connect(hub.listener.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'); // never the blank line
    await new Promise((resolve) => socket.once('close', resolve));
    expect(socket.destroyed).toBe(true);
  });
});

describe('peer rows', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function handshakeAs(url: string, nodeId: string, token?: string) {
    const node = await h.node(nodeId, { storage: memoryStorage(), peers: [h.peer(url, token)] });
    return (await node.syncNow())[0]!.peers[0]!;
  }

  it('an open hub serves unauthenticated peers without tracking a row for each node id they declare', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage() });
    for (let i = 0; i < 5; i++) expect(await handshakeAs(hub.url, `anon-${i}`)).toMatchObject({ ok: true });
    // untrackPeer answers whether there was a row to remove
    for (let i = 0; i < 5; i++) expect(await hub.node.untrackPeer('primary', `anon-${i}`)).toBe(false);
  });

  it('tracks peers that authenticated with the shared token', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: 't' } });
    expect(await handshakeAs(hub.url, 'known', 't')).toMatchObject({ ok: true });
    await vi.waitFor(async () => expect(await hub.node.untrackPeer('primary', 'known')).toBe(true));
  });
});
