/*
 * The hub of `bench -- tenants`, as its own process so its memory and file handles are its own:
 * JWT auth, the template user/{sub} and the shared dataset primary, on SQLite under argv[2].
 * Prints `listening on <url>`; answers each `stats` line on stdin with one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import { listen } from '../../adapters/transport/websocket/node/server.ts';
import { createNode } from '../../src/runtime/create-node.ts';

const [dir, secret] = process.argv.slice(2);
const hub = await createNode({ nodeId: 'tenant-hub', storage: sqliteStorage({ path: join(dir!, 'hub.db') }), datasets: { primary: {}, 'user/{sub}': {} }, auth: { jwt: { secret: secret!, datasetsClaim: 'datasets' } } });
const listener = await listen(hub, { port: 0, host: '127.0.0.1', maxConnections: 20_000 });
console.log(`listening on ${listener.url}`);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  if (!text.includes('stats')) return;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  console.log(JSON.stringify({ rssMb: Math.round(rssKb / 1024), openFiles: readdirSync('/proc/self/fd').length, datasets: hub.datasetIds.length }));
});
process.stdin.on('end', () => void listener.close().then(() => hub.close()).then(() => process.exit(0)));
