/*
 * The hub of `bench -- tenants`, as its own process so its memory and file handles are its own:
 * JWT auth, the template user/{sub} and the shared dataset primary, on SQLite under argv[2]
 * (`<dir> <secret> sqlite`) or on PostgreSQL (`<dir> <secret> postgres <url> <schemaPrefix>`).
 * Prints `listening on <url>`; answers each `stats` line on stdin with one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { postgresStorage } from '../../adapters/storage/postgres/index.ts';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import { listen } from '../../adapters/transport/websocket/node/server.ts';
import { createNode } from '../../src/runtime/create-node.ts';

const [dir, secret, kind = 'sqlite', postgresUrl, schemaPrefix] = process.argv.slice(2);
const onPostgres = kind === 'postgres';
const storage = onPostgres ? postgresStorage({ url: postgresUrl!, schemaPrefix: schemaPrefix! }) : sqliteStorage({ path: join(dir!, 'hub.db') });
const hub = await createNode({ nodeId: 'tenant-hub', storage, datasets: { primary: {}, 'user/{sub}': {} }, auth: { jwt: { secret: secret!, datasetsClaim: 'datasets' } } });
const listener = await listen(hub, { port: 0, host: '127.0.0.1', maxConnections: 20_000 });
// The catalogue is read on a connection of its own, outside the hub's pools.
const catalogue = onPostgres ? postgres(postgresUrl!, { max: 1, onnotice: () => undefined }) : undefined;
console.log(`listening on ${listener.url}`);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  if (!text.includes('stats')) return;
  void stats().then((line) => console.log(JSON.stringify(line)));
});
process.stdin.on('end', () => void listener.close().then(() => hub.close()).then(() => catalogue?.end()).then(() => process.exit(0)));

async function stats(): Promise<Record<string, number>> {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  const line: Record<string, number> = { rssMb: Math.round(rssKb / 1024), openFiles: readdirSync('/proc/self/fd').length, datasets: hub.datasetIds.length };
  if (catalogue) {
    const [row] = await catalogue`SELECT (SELECT count(*)::integer FROM pg_class) AS relations, (SELECT count(*)::integer FROM pg_namespace WHERE starts_with(nspname, ${schemaPrefix!})) AS schemas`;
    line.pgRelations = Number(row!.relations);
    line.pgSchemas = Number(row!.schemas);
  }
  return line;
}
