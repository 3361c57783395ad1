import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { listen } from '../../adapters/transport/websocket/node/server.ts';
import { datasetFileName } from '../../src/core/dataset-id.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import type { DatasetRevoked } from '../../src/runtime/pipeline/pipeline-api.ts';
import { rawPeer } from '../sync/raw-peer.ts';
import { chain } from './dataset-state.ts';

/*
 * Per-user and per-team data: a hub on SQLite with the templates user/{sub} and team/{team}, JWT
 * auth, and 50 clients with their own tokens in 5 teams. Every client writes; afterwards every
 * client's store holds exactly its own user dataset and its team's data, and the hub's files hold
 * each dataset's rows only. A client asking for another user's dataset, or a team it is not in, is
 * refused and nothing is stored.
 */

const SECRET = 'a-long-enough-hmac-secret-for-per-user-tests';
const USERS = 50;
const TEAMS = 5;
const teamOf = (i: number) => `t${i % TEAMS}`;

function token(sub: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
}

describe('per-user and per-team datasets from JWT claims', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-per-user-'));
  let hub: SyncNode;
  let url: string;
  let closeListener: () => Promise<void>;
  const clients: SyncNode[] = [];

  beforeAll(async () => {
    hub = await createNode({ nodeId: 'hub', storage: sqliteStorage({ path: path.join(dir, 'hub.db') }), datasets: { 'user/{sub}': {}, 'team/{team}': {} }, auth: { jwt: { secret: SECRET } } });
    const listener = await listen(hub, { port: 0, host: '127.0.0.1' });
    url = listener.url;
    closeListener = listener.close;
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await closeListener?.();
    await hub?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function client(sub: string, team: string, datasets: readonly string[]): Promise<SyncNode> {
    const node = await createNode({ nodeId: sub, storage: memoryStorage(), peers: [websocket(url, { token: await token(sub, { team: [team] }) })], datasets: Object.fromEntries(datasets.map((d) => [d, {}])) });
    clients.push(node);
    return node;
  }

  function rowsIn(datasetId: string): Record<string, number> {
    const db = new Database(path.join(dir, `hub.${datasetFileName(datasetId)}.db`), { readonly: true });
    try {
      const rows = db.prepare('SELECT dataset_id, count(*) AS n FROM documents GROUP BY dataset_id').all() as { dataset_id: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.dataset_id, r.n]));
    } finally {
      db.close();
    }
  }

  it('gives every client exactly its own data and its team\'s, and keeps every other dataset from it', async () => {
    const users = await Promise.all(Array.from({ length: USERS }, (_, i) => client(`u${i}`, teamOf(i), [`user/u${i}`, `team/${teamOf(i)}`])));
    await Promise.all(
      users.map(async (node, i) => {
        await node.collection('notes', undefined, `user/u${i}`).put('mine', { owner: `u${i}` });
        await node.collection('notes', undefined, `team/${teamOf(i)}`).put(`from-u${i}`, { by: `u${i}` });
      }),
    );
    const members = (team: string) => Array.from({ length: USERS }, (_, i) => i).filter((i) => teamOf(i) === team);
    // Converged once every client holds its whole team's notes.
    for (let round = 0; round < 50; round++) {
      await Promise.all(users.map((node) => node.syncNow()));
      const counts = await Promise.all(users.map((node, i) => node.collection('notes', undefined, `team/${teamOf(i)}`).all()));
      if (counts.every((docs) => docs.length === USERS / TEAMS)) break;
    }
    for (const [i, node] of users.entries()) {
      expect(node.datasetIds.sort()).toEqual([`team/${teamOf(i)}`, `user/u${i}`]);
      expect(await node.collection('notes', undefined, `user/u${i}`).all()).toEqual([{ key: 'mine', value: { owner: `u${i}` } }]);
      const team = await node.collection('notes', undefined, `team/${teamOf(i)}`).all();
      expect(team.map((d) => d.key).sort()).toEqual(members(teamOf(i)).map((m) => `from-u${m}`).sort());
    }
    // The hub holds a file per user and per team, each with its own rows only.
    for (let i = 0; i < USERS; i++) expect(rowsIn(`user/u${i}`)).toEqual({ [`user/u${i}`]: 1 });
    for (let t = 0; t < TEAMS; t++) expect(rowsIn(`team/t${t}`)).toEqual({ [`team/t${t}`]: USERS / TEAMS });
  }, 120_000);

  it("refuses another user's dataset and a team the token does not name, and stores nothing for either", async () => {
    const before = [rowsIn('user/u1'), rowsIn('team/t1')];
    const mallory = await client('u0', 't0', ['user/u1', 'team/t1']);
    await mallory.collection('notes', undefined, 'user/u1').put('mine', { owner: 'mallory' });
    await mallory.collection('notes', undefined, 'team/t1').put('from-u0', { by: 'mallory' });
    const reports = await mallory.syncNow();
    expect(reports.map((r) => r.peers[0]!.code)).toEqual(['dataset_not_granted', 'dataset_not_granted']);
    // Nothing came down, and nothing went up.
    expect(await mallory.collection('notes', undefined, 'user/u1').all()).toEqual([{ key: 'mine', value: { owner: 'mallory' } }]);
    expect([rowsIn('user/u1'), rowsIn('team/t1')]).toEqual(before);
    // A user no one has connected for has no file: a refused request creates nothing.
    const stranger = await client('u0', 't0', ['user/u404']);
    expect((await stranger.syncNow())[0]!.peers[0]!.code).toBe('dataset_not_granted');
    expect(fs.existsSync(path.join(dir, `hub.${datasetFileName('user/u404')}.db`))).toBe(false);
  });

  it('stops sending a team\'s writes to a member removed from it mid-sync, and refuses its token from then on', async () => {
    const [removed, staying, writer] = await Promise.all([client('u10', 't0', ['team/t0']), client('u15', 't0', ['team/t0']), client('u20', 't0', ['team/t0'])]);
    const team = (node: SyncNode) => node.collection('notes', undefined, 'team/t0');
    await Promise.all([removed, staying, writer].map((n) => n.syncNow()));
    await team(writer).put('before', { n: 1 });
    for (let i = 0; i < 50 && (!(await team(removed).get('before')) || !(await team(staying).get('before'))); i++) await Promise.all([removed, staying].map((n) => n.syncNow()));
    expect(await team(removed).get('before')).toEqual({ n: 1 });

    // This client's connection, and the first test's u10 (also in t0).
    expect(await hub.revoke('u10', 'team/t0')).toBe(2);
    await team(writer).put('after', { n: 2 });
    await writer.syncNow();
    // The member who stays gets it; the removed one is refused, and never holds it.
    for (let i = 0; i < 50 && !(await team(staying).get('after')); i++) await staying.syncNow();
    expect(await team(staying).get('after')).toEqual({ n: 2 });
    const [report] = await removed.syncNow();
    expect(report!.peers[0]).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await team(removed).get('after')).toBeUndefined();
    expect((await removed.metrics())['team/t0']!.peers[0]!.connected).toBe(false);
  });

  it('tells a client its team was revoked, once, and forget() deletes the team from its SQLite file, dataset worker included', async () => {
    const file = path.join(dir, 'leaver.db');
    const node = await createNode({ nodeId: 'leaver', storage: sqliteStorage({ path: file }), peers: [websocket(url, { token: await token('leaver', { team: ['t2'] }) })], datasets: { 'team/t2': { worker: true } } });
    clients.push(node);
    const heard: DatasetRevoked[] = [];
    node.on('dataset-revoked', (event) => heard.push(event));
    const board = node.collection('notes', undefined, 'team/t2');
    await board.put('from-leaver', { by: 'leaver' });
    await node.syncNow();
    expect(heard).toEqual([]);

    expect(await hub.revoke('leaver', 'team/t2')).toBe(1);
    await vi.waitFor(() => expect(heard).toEqual([{ datasetId: 'team/t2', url, reason: expect.stringContaining('dataset_not_granted'), cause: 'revoked' }]), { timeout: 10_000, interval: 50 });
    // Later refusals of the same revocation are not news.
    expect((await node.syncNow())[0]!.peers[0]).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(heard).toHaveLength(1);

    const rows = (table: string) => {
      const db = new Database(`${file.slice(0, -3)}.${datasetFileName('team/t2')}.db`, { readonly: true });
      try {
        return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect([rows('documents'), rows('oplog')]).not.toContain(0);
    await node.forget('team/t2');
    expect(node.datasetIds).toEqual([]);
    expect(() => node.collection('notes', undefined, 'team/t2')).toThrow(expect.objectContaining({ code: 'invalid_dataset_id' }));
    expect([rows('documents'), rows('oplog')]).toEqual([0, 0]);
  });

  it('keeps a revocation across a hub restart: old tokens stay refused, a token issued afterwards is served', async () => {
    const file = path.join(dir, 'restart', 'hub.db');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const start = async () => {
      const node = await createNode({ nodeId: 'hub-restart', storage: sqliteStorage({ path: file }), datasets: { 'team/{team}': {} }, auth: { jwt: { secret: SECRET } } });
      const listener = await listen(node, { port: 0, host: '127.0.0.1' });
      return { node, listener };
    };
    const round = async (hubUrl: string, jwt: string) => {
      const node = await createNode({ nodeId: 'mover', storage: memoryStorage(), peers: [websocket(hubUrl, { token: jwt })], datasets: { 'team/t4': {} } });
      clients.push(node);
      return (await node.syncNow())[0]!.peers[0]!;
    };
    const old = await token('mover', { team: ['t4'] });
    let hub2 = await start();
    try {
      expect(await round(hub2.listener.url, old)).toMatchObject({ ok: true });
      await hub2.node.revoke('mover', 'team/t4');
    } finally {
      await hub2.listener.close();
      await hub2.node.close();
    }
    hub2 = await start();
    try {
      // The refusal says the grant was taken back (a client can tell that from a dataset never granted).
      expect(await round(hub2.listener.url, old)).toMatchObject({ ok: false, code: 'dataset_not_granted', error: expect.stringContaining('was revoked for mover') });
      // Issued after the revocation (its iat a second later than the revocation's): the claims say what holds now.
      const fresh = await new SignJWT({ team: ['t4'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('mover').setIssuedAt(Math.floor(Date.now() / 1000) + 1).setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
      expect(await round(hub2.listener.url, fresh)).toMatchObject({ ok: true });
    } finally {
      await hub2.listener.close();
      await hub2.node.close();
    }
  });

  it('keeps at most maxOpenDatasets idle per-user datasets open, and opens one again for its next client', async () => {
    const small = path.join(dir, 'small');
    fs.mkdirSync(small);
    const lru = await createNode({ nodeId: 'hub-lru', storage: sqliteStorage({ path: path.join(small, 'hub.db') }), datasets: { 'user/{sub}': {} }, auth: { jwt: { secret: SECRET } }, maxOpenDatasets: 2 });
    const listener = await listen(lru, { port: 0, host: '127.0.0.1' });
    const openFiles = () => fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }).filter((target) => target.startsWith(small) && target.endsWith('.db')).length;
    const visit = async (sub: string, write?: string) => {
      const node = await createNode({ nodeId: sub, storage: memoryStorage(), peers: [websocket(listener.url, { token: await token(sub, {}) })], datasets: { [`user/${sub}`]: {} } });
      if (write) await node.collection('notes', undefined, `user/${sub}`).put('k', { v: write });
      await node.syncNow();
      const seen = await node.collection('notes', undefined, `user/${sub}`).get('k');
      await node.close();
      return seen;
    };
    try {
      for (let i = 0; i < 6; i++) await visit(`v${i}`, `note of v${i}`);
      // The hub's own primary file, plus at most 2 idle user files (a closed client's socket may still be closing).
      expect(openFiles()).toBeLessThanOrEqual(1 + 2 + 1);
      expect(lru.datasetIds.filter((id) => id.startsWith('user/')).length).toBeLessThanOrEqual(3);
      // v0 was let go long ago: a new device of v0 gets its note back from the reopened file.
      expect(await visit('v0')).toEqual({ v: 'note of v0' });
    } finally {
      await listener.close();
      await lru.close();
    }
  });

  it('grants no per-user dataset under a shared token, which proves nobody\'s identity', async () => {
    const shared = await createNode({ nodeId: 'hub-shared', storage: memoryStorage(), datasets: { primary: {}, 'user/{sub}': {} }, auth: { token: 'dev-token' } });
    const listener = await listen(shared, { port: 0, host: '127.0.0.1' });
    try {
      const node = await createNode({ nodeId: 'u1', storage: memoryStorage(), peers: [websocket(listener.url, { token: 'dev-token' })], datasets: { primary: {}, 'user/u1': {} } });
      clients.push(node);
      const reports = await node.syncNow();
      expect(reports.map((r) => [r.datasetId, r.peers[0]!.ok ? 'ok' : r.peers[0]!.code])).toEqual([
        ['primary', 'ok'],
        ['user/u1', 'dataset_not_granted'],
      ]);
    } finally {
      await listener.close();
      await shared.close();
    }
  });
  it('lets a principal pull a team it holds read-only, pushes none of its writes, and refuses a push made anyway', async () => {
    const viewerToken = await token('viewer', { read: ['team/t3'] });
    const viewer = await createNode({ nodeId: 'viewer', storage: memoryStorage(), peers: [websocket(url, { token: viewerToken })], datasets: { 'team/t3': {} } });
    clients.push(viewer);
    const board = viewer.collection('notes', undefined, 'team/t3');
    await board.put('from-viewer', { by: 'viewer' });
    const before = rowsIn('team/t3');
    const [report] = await viewer.syncNow();
    expect(report!.peers[0]).toMatchObject({ ok: true, pushed: 0 });
    // It reads the team's notes; its own write stays on its device, and the status says why.
    expect((await board.all()).map((d) => d.key)).toContain('from-u3');
    expect(await board.get('from-viewer')).toEqual({ by: 'viewer' });
    expect((await viewer.metrics())['team/t3']!.peers[0]!.readOnly).toBe(true);
    expect(rowsIn('team/t3')).toEqual(before);
    // A client that pushes anyway (an old or hostile one) is refused, and nothing is applied.
    const raw = await rawPeer('viewer', websocket(url, { token: viewerToken }), 'team/t3');
    try {
      await expect(raw.push(chain('viewer', 2))).rejects.toMatchObject({ code: 'dataset_read_only' });
    } finally {
      raw.connection.close(1000, 'done');
    }
    expect(rowsIn('team/t3')).toEqual(before);
    // A member of the team, granted it by the template, still writes.
    const member = await client('u103', 't3', ['team/t3']);
    await member.collection('notes', undefined, 'team/t3').put('from-u103', { by: 'u103' });
    expect((await member.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(rowsIn('team/t3')).toEqual({ 'team/t3': before['team/t3']! + 1 });
    expect(await member.metrics().then((m) => m['team/t3']!.peers[0]!.readOnly)).toBe(false);
  });
});

describe('many clients of one shared dataset at once', () => {
  it('never push back what the hub announced during their round (it would be other authors\' entries, which a hub refuses)', async () => {
    const hub = await createNode({ nodeId: 'hub-shared-jwt', storage: memoryStorage(), auth: { jwt: { secret: SECRET } } });
    const listener = await listen(hub, { port: 0, host: '127.0.0.1' });
    const nodes: SyncNode[] = [];
    try {
      const reports = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const node = await createNode({ nodeId: `w${i}`, storage: memoryStorage(), peers: [websocket(listener.url, { token: await token(`w${i}`, { datasets: ['primary'] }) })] });
          nodes.push(node);
          await node.collection('notes').put(`from-w${i}`, { i });
          const [report] = await node.syncNow();
          return report!.peers[0]!;
        }),
      );
      expect(reports.filter((r) => !r.ok).map((r) => r.code)).toEqual([]);
    } finally {
      await Promise.allSettled(nodes.map((n) => n.close()));
      await listener.close();
      await hub.close();
    }
  });
});
