/*
 * A Deno hub for the WebTransport tests: node `deno-wt-hub` on SQLite through node:sqlite, with 20
 * documents `hub-00`..`hub-19` in `todos`, served over WebTransport on 127.0.0.1 (UDP, port 0).
 *   deno run --unstable-net --allow-net=127.0.0.1 --allow-read --allow-write deno/hub.fixture.ts <data dir> <token> <cert.pem> <key.pem>
 * Prints `LISTENING <url>`; on SIGTERM, SIGINT or the end of stdin prints `KEYS <json array of
 * todos keys>` and `STOPPED`, then exits 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { createNode } from '../../../../src/runtime/create-node.ts';
import { nodeSqliteDriver } from '../../../storage/sqlite/node-sqlite/driver.ts';
import { sqliteStorageOn } from '../../../storage/sqlite/sqlite-storage.ts';
import { listenWebTransport } from './server.ts';

const [dir, token, certFile, keyFile] = process.argv.slice(2);
try {
  if (!dir || token === undefined || !certFile || !keyFile) throw new Error('usage: hub.fixture.ts <data dir> <token> <cert.pem> <key.pem>');
  const node = await createNode({ nodeId: 'deno-wt-hub', storage: sqliteStorageOn(nodeSqliteDriver(), { path: join(dir, 'hub.db') }), auth: { token }, heartbeatMs: 0 });
  const todos = node.collection('todos');
  await todos.putMany(Array.from({ length: 20 }, (_, i) => ({ key: `hub-${String(i).padStart(2, '0')}`, value: { n: i, by: 'hub' } })));
  const listener = await listenWebTransport(node, { port: 0, host: '127.0.0.1', cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') });
  process.stdout.write(`LISTENING ${listener.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    process.stdin.resume();
  });
  const keys = (await todos.all()).map((d) => d.key).sort();
  process.stdout.write(`KEYS ${JSON.stringify(keys)}\n`);
  await listener.close();
  await node.close();
  process.stdout.write('STOPPED\n');
  process.exit(0);
} catch (error) {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
