import { join } from 'node:path';
import process from 'node:process';
import { createNode } from '../../../src/runtime/create-node.ts';
import type { SqliteDriver } from '../../storage/sqlite/driver.ts';
import { sqliteStorageOn } from '../../storage/sqlite/sqlite-storage.ts';
import { websocket } from './client.ts';
import type { Listener, ListenOptions } from './listen-options.ts';
import type { SyncNode } from '../../../src/runtime/sync-node.ts';

/** The runtime's own sluice/server entry, as the fixture for that runtime imports it. */
export interface FixtureServer {
  readonly runtime: 'deno' | 'bun';
  listen(node: SyncNode, options: ListenOptions): Promise<Listener>;
}

/*
 * The programs behind deno/*.fixture.ts and bun/*.fixture.ts: a hub and a client that the vitest
 * tests (running on Node) start as real Deno and Bun processes. They use only what both runtimes
 * share with Node (node:process, node:path), plus the runtime's own SQLite driver and server.
 */

/**
 * A hub on SQLite (`<dir>/hub.db`) served with sluice/server on 127.0.0.1, port 0. Prints
 * `LISTENING <url> <server runtime>`, runs until SIGTERM, SIGINT or the end of stdin, then closes
 * listener and node, prints `STOPPED` and exits 0.
 *
 * argv: <data dir> <token> [listen options as JSON, e.g. {"maxConnections":1}] [postgres URL]
 * With a postgres URL the hub keeps its datasets there instead, as one of a cluster's hubs.
 */
export async function runHubFixture(nodeId: string, makeDriver: () => SqliteDriver, server: FixtureServer): Promise<never> {
  const [dir, token, listenJson, postgresUrl] = process.argv.slice(2);
  if (!dir || token === undefined) return fail(new Error('usage: hub.fixture.ts <data dir> <token> [listen options JSON]'));
  try {
    const extra = (listenJson ? JSON.parse(listenJson) : {}) as Omit<ListenOptions, 'port' | 'host' | 'auth'>;
    const storage = postgresUrl ? (await import('../../storage/postgres/index.ts')).postgresStorage({ url: postgresUrl }) : sqliteStorageOn(makeDriver(), { path: join(dir, 'hub.db') });
    const node = await createNode({ nodeId, storage, auth: { token } });
    const listener = await server.listen(node, { ...extra, port: 0, host: '127.0.0.1' });
    process.stdout.write(`LISTENING ${listener.url} ${server.runtime}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
      // The parent going away closes our stdin: stop then too, instead of lingering.
      process.stdin.once('end', () => resolve());
      process.stdin.once('close', () => resolve());
      process.stdin.resume();
    });
    await listener.close();
    await node.close();
    process.stdout.write('STOPPED\n');
    process.exit(0);
  } catch (error) {
    return fail(error);
  }
}

/**
 * A client on SQLite (`<dir>/client.db`) that writes 50 documents `<prefix>-00`..`<prefix>-49`
 * to `todos`, runs one sync round with the hub, and prints one JSON line
 * `{ ok, pushed, pulled, keys, error? }` (keys: every `todos` key it has afterwards, sorted).
 * ok means the round succeeded and the client now also has documents it did not write. Exits 0
 * when ok, 1 otherwise.
 *
 * argv: <hub url> <token> <key prefix> <data dir>
 */
export async function runClientFixture(nodeId: string, makeDriver: () => SqliteDriver): Promise<never> {
  const [url, token, prefix, dir] = process.argv.slice(2);
  if (!url || token === undefined || !prefix || !dir) return fail(new Error('usage: client.fixture.ts <hub url> <token> <key prefix> <data dir>'));
  try {
    const node = await createNode({
      nodeId,
      storage: sqliteStorageOn(makeDriver(), { path: join(dir, 'client.db') }),
      peers: [websocket(url, { token })],
      heartbeatMs: 0,
    });
    const todos = node.collection('todos');
    await todos.putMany(Array.from({ length: 50 }, (_, i) => ({ key: `${prefix}-${String(i).padStart(2, '0')}`, value: { n: i, by: nodeId } })));
    const [report] = await node.syncNow();
    const peer = report?.peers[0];
    const keys = (await todos.all()).map((d) => d.key).sort();
    await node.close();
    const pulledForeign = keys.some((k) => !k.startsWith(`${prefix}-`));
    const ok = peer?.ok === true && pulledForeign;
    const error = peer?.ok === false ? `${peer.code ?? ''} ${peer.error ?? ''}`.trim() : pulledForeign ? undefined : 'pulled no documents it did not write';
    process.stdout.write(`${JSON.stringify({ ok, pushed: peer?.pushed ?? 0, pulled: peer?.pulled ?? 0, keys, ...(error === undefined ? {} : { error }) })}\n`);
    process.exit(ok ? 0 : 1);
  } catch (error) {
    return fail(error);
  }
}

function fail(error: unknown): never {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
