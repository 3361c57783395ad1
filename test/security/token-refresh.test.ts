import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { Harness } from '../sync/harness.ts';

/*
 * Tokens that expire: `websocket(url, { token: () => ... })` is called on every dial and again
 * before the JWT it returned expires, and a hub closes a session whose token has expired. Hubs on
 * 127.0.0.1 with JWT auth and no clock tolerance; tokens live a few seconds.
 */

const SECRET = 'a-long-enough-hmac-secret-for-token-refresh';

function jwt(sub: string, lifetime: string, claims: Record<string, unknown> = { datasets: ['*'] }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(lifetime).sign(new TextEncoder().encode(SECRET));
}

describe('tokens that expire', () => {
  const h = new Harness();
  afterEach(() => h.close());

  const jwtHub = () => h.hub('hub', { datasets: { primary: {}, notes: {} }, auth: { jwt: { secret: SECRET, clockToleranceSec: 0 } } });

  it('calls a token function on every dial, and again before its JWT expires: the session outlives every token it used', async () => {
    const hub = await jwtHub();
    const issued: string[] = [];
    // Every socket the reader opens, with the code it closed with: a refresh closes its old socket
    // itself (1000), where a token left to expire is closed by the hub (4401).
    const closes: number[] = [];
    class Recording extends WebSocket {
      constructor(url: string) {
        super(url);
        this.on('close', (code: number) => closes.push(code));
      }
    }
    const reader = await h.node('reader', {
      peers: [
        websocket(hub.url, {
          WebSocket: Recording,
          token: async () => {
            issued.push(new Date().toISOString());
            return jwt('reader', '5s');
          },
        }),
      ],
    });
    const writer = await h.node('writer', { peers: [websocket(hub.url, { token: await jwt('writer', '5m') })] });
    await reader.syncNow();
    const first = issued.length;
    expect(first).toBeGreaterThanOrEqual(1);
    // Two tokens' lifetimes later, the reader still hears the writer's writes, live.
    for (let i = 0; i < 2; i++) {
      const before = issued.length;
      await vi.waitFor(() => expect(issued.length).toBeGreaterThan(before), { timeout: 10_000, interval: 100 });
    }
    await writer.collection('todos').put('late', { n: 1 });
    await writer.syncNow();
    await vi.waitFor(async () => expect(await reader.collection('todos').get('late')).toEqual({ n: 1 }), { timeout: 10_000, interval: 50 });
    // Each token was replaced before it expired: the hub never had to close the session, and no
    // dial presented an expired token, so the reader never failed a round.
    expect(closes.length).toBeGreaterThanOrEqual(2);
    expect(closes.filter((code) => code !== 1000 && code !== 1005)).toEqual([]);
    const status = (await reader.metrics()).primary!;
    expect(status.peers[0]).toMatchObject({ connected: true, failures: 0 });
    expect(status.roundFailures).toBe(0);
  }, 30_000);

  it('closes a session when its token expires, and a client with only that token cannot come back', async () => {
    const hub = await jwtHub();
    const client = await h.node('stale', { peers: [websocket(hub.url, { token: await jwt('stale', '2s') })] });
    await client.syncNow();
    expect((await client.metrics()).primary!.peers[0]!.connected).toBe(true);
    await vi.waitFor(async () => expect((await client.metrics()).primary!.peers[0]!.connected).toBe(false), { timeout: 10_000, interval: 100 });
    // Writes made afterwards do not reach it: its redial is refused.
    const writer = await h.node('writer', { peers: [websocket(hub.url, { token: await jwt('writer', '5m') })] });
    await writer.collection('todos').put('after', { n: 1 });
    await writer.syncNow();
    const [report] = await client.syncNow();
    expect(report!.peers[0]).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(await client.collection('todos').get('after')).toBeUndefined();
  }, 30_000);

  it('asks the node thread for each token when the dataset runs in a worker', async () => {
    const hub = await jwtHub();
    let calls = 0;
    const client = await h.node('worker-client', {
      peers: [websocket(hub.url, { token: () => (calls++, jwt('worker-client', '5m')) })],
      datasets: { primary: {}, notes: { worker: true } },
    });
    await client.collection('items', 'notes').put('k', { v: 1 });
    const [report] = await client.syncNow('notes');
    expect(report!.peers[0]).toMatchObject({ ok: true });
    expect(await hub.node.collection('items', 'notes').get('k')).toEqual({ v: 1 });
    // One call for the in-thread primary's dial, at least one for the worker's.
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('fails the round with auth_failed when the token function throws or returns a non-string, and calls it again next round', async () => {
    const hub = await jwtHub();
    const answers: (() => unknown)[] = [
      () => {
        throw new Error('auth server down');
      },
      () => 42,
      () => jwt('flaky', '5m'),
    ];
    const client = await h.node('flaky', { peers: [websocket(hub.url, { token: () => answers.shift()!() as string })] });
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) codes.push((await client.syncNow())[0]!.peers[0]!.code);
    expect(codes.slice(0, 2)).toEqual(['auth_failed', 'auth_failed']);
    expect(codes[2]).toBeUndefined();
  });
});
