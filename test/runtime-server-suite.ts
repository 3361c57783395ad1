import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postgresStorage } from '../adapters/storage/postgres/index.ts';
import { startPostgres } from './postgres/throwaway-cluster.ts';
import { Harness } from './sync/harness.ts';
import { RuntimeProcesses, type Runtime } from './runtime-process.ts';

/*
 * Cross-runtime sync, shared by adapters/transport/websocket/{deno,bun}/server.test.ts: a hub
 * running in Deno or Bun (its own server and SQLite driver) serving Node clients, and a client
 * running in Deno or Bun converging with a Node hub. Node nodes use better-sqlite3 files (Harness).
 */

const TIMEOUT = 60_000;
const TOKEN = 'sekret';

interface ClientReport {
  ok: boolean;
  pushed: number;
  pulled: number;
  keys: string[];
  error?: string;
}

function docs(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${String(i).padStart(2, '0')}`, value: { n: i, by: prefix } }));
}

export function runtimeServerSuite(runtime: Runtime): void {
  const dir = `adapters/transport/websocket/${runtime}`;

  describe(`sluice on ${runtime}`, () => {
    const h = new Harness();
    const procs = new RuntimeProcesses();
    afterEach(async () => {
      await procs.stopAll();
      await h.close();
    });

    async function startHub(listenOptions?: object, postgresUrl?: string) {
      const args = [procs.dir(), TOKEN, ...(listenOptions || postgresUrl ? [JSON.stringify(listenOptions ?? {})] : []), ...(postgresUrl ? [postgresUrl] : [])];
      const hub = procs.start(runtime, `${dir}/hub.fixture.ts`, args, { allowEnv: postgresUrl !== undefined });
      const [, url, server] = await hub.waitFor(/^LISTENING (ws:\/\/\S+) (\w+)$/m, TIMEOUT);
      return { hub, url: url!, server: server! };
    }

    it(`a ${runtime} hub over PostgreSQL serves the same data as a Node hub on that database: a write through one reaches a live client of the other`, async () => {
      const pg = await startPostgres();
      const storage = postgresStorage({ url: pg.url });
      try {
        const { hub, url } = await startHub(undefined, pg.url);
        const nodeHub = await h.hub('node-hub', { storage, auth: { token: TOKEN } });
        const writer = await h.node('writer', { peers: [h.peer(url, TOKEN)] });
        const reader = await h.node('reader', { peers: [h.peer(nodeHub.url, TOKEN)] });
        await Promise.all([writer.syncNow(), reader.syncNow()]);
        const seen: string[] = [];
        reader.collection('todos').subscribe((changes) => seen.push(...changes.map((c) => c.key)));
        // No round is asked for: the runtime's hub commits, the Node hub hears the notice and pushes.
        await writer.collection('todos').put(`via-${runtime}`, { runtime });
        await vi.waitFor(() => expect(seen).toContain(`via-${runtime}`), { timeout: 10_000, interval: 50 });
        expect(await reader.collection('todos').get(`via-${runtime}`)).toEqual({ runtime });
        expect(await procs.stop(hub)).toBe(0);
      } finally {
        await h.close();
        await storage.close();
        await pg.stop();
      }
    }, TIMEOUT * 2);

    it(`a ${runtime} hub (its own server and SQLite) relays between Node clients and refuses a wrong token`, async () => {
      const { hub, url, server } = await startHub();
      expect(server).toBe(runtime);
      expect(new URL(url).hostname).toBe('127.0.0.1');

      const a = await h.node('node-a', { peers: [h.peer(url, TOKEN)] });
      await a.collection('todos').putMany(docs('a', 30));
      expect((await a.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });

      const b = await h.node('node-b', { peers: [h.peer(url, TOKEN)] });
      await b.collection('todos').put('b-only', { from: 'b' });
      expect((await b.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
      expect((await b.collection('todos').all()).filter((d) => d.key.startsWith('a-'))).toEqual((await a.collection('todos').all()).filter((d) => d.key.startsWith('a-')));

      // and back: a receives b's document through the hub
      expect((await a.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
      expect(await a.collection('todos').get('b-only')).toEqual({ from: 'b' });

      const intruder = await h.node('intruder', { peers: [h.peer(url, 'wrong')] });
      await intruder.collection('todos').put('sneaky', { v: 666 });
      const refused = (await intruder.syncNow())[0]!.peers[0]!;
      expect(refused).toMatchObject({ ok: false, code: 'auth_failed' });
      const fresh = await h.node('fresh', { peers: [h.peer(url, TOKEN)] });
      await fresh.syncNow();
      expect(await fresh.collection('todos').get('sneaky')).toBeUndefined();
      expect((await fresh.collection('todos').all()).length).toBe(31);

      expect(await procs.stop(hub)).toBe(0);
      expect(hub.stdout()).toContain('STOPPED');
    }, TIMEOUT * 2);

    it(`a ${runtime} hub closes a connection that sends a frame above maxFrameBytes with 1009`, async () => {
      const { url } = await startHub();
      const socket = new WebSocket(url);
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.once('open', () => socket.send(Buffer.alloc(4 * 1024 * 1024 + 1)));
      socket.on('error', () => undefined);
      expect(await closed).toBe(1009);
    }, TIMEOUT);

    it(`a ${runtime} hub answers plain HTTP with 426, refuses connections beyond maxConnections and closes with 4503 on shutdown`, async () => {
      const { hub, url } = await startHub({ maxConnections: 1 });
      expect((await fetch(url.replace('ws:', 'http:'))).status).toBe(426);
      const connect = () => {
        const socket = new WebSocket(url);
        socket.on('error', () => undefined);
        const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
        const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
        return { socket, opened, closed };
      };
      const first = connect();
      await first.opened;
      const second = connect();
      expect(await second.closed).toBe(4429);
      expect(await procs.stop(hub)).toBe(0);
      expect(await first.closed).toBe(4503);
    }, TIMEOUT);

    it(`a ${runtime} client (its own SQLite) converges with a Node hub`, async () => {
      const hub = await h.hub('node-hub', { auth: { token: TOKEN } });
      const seeder = await h.node('seeder', { peers: [h.peer(hub.url, TOKEN)] });
      await seeder.collection('todos').putMany(docs('seed', 20));
      expect((await seeder.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });

      const result = await procs.run(runtime, `${dir}/client.fixture.ts`, [hub.url, TOKEN, runtime, procs.dir()], TIMEOUT);
      const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
      expect(line, result.output).toBeDefined();
      const report = JSON.parse(line!) as ClientReport;
      expect(report, result.output).toMatchObject({ ok: true });
      expect(result.code).toBe(0);
      const expected = [...docs('seed', 20), ...docs(runtime, 50)].map((d) => d.key).sort();
      expect(report.keys).toEqual(expected);

      // the hub has everything the client wrote, and passes it on
      expect((await hub.node.collection('todos').all()).map((d) => d.key).sort()).toEqual(expected);
      await seeder.syncNow();
      expect(await seeder.collection('todos').get(`${runtime}-49`)).toEqual({ n: 49, by: `${runtime}-client` });
    }, TIMEOUT * 2);
  });
}
