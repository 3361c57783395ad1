import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sqliteStorage } from '../../../adapters/storage/sqlite/index.ts';
import { listen } from '../../../adapters/transport/websocket/node/server.ts';
import { SluiceError } from '../../core/errors.ts';
import { createNode } from '../create-node.ts';
import type { DatasetConfig } from '../node-options.ts';

const APPEND_DATASETS = new Set(['logs', 'timeseries']);

/** `sluice hub`: a hub on SQLite under --data, serving until SIGINT/SIGTERM. */
export async function runHub(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: './.sluice' },
      token: { type: 'string' },
      datasets: { type: 'string', default: 'primary,logs,timeseries' },
      stats: { type: 'string', default: '10' },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SluiceError('invalid_options', `--port must be 0-65535, got ${values.port}.`);
  const statsSeconds = Number(values.stats);
  if (!Number.isFinite(statsSeconds) || statsSeconds < 0) throw new SluiceError('invalid_options', `--stats must be a number of seconds, got ${values.stats}.`);
  const dataDir = resolve(values.data);
  mkdirSync(dataDir, { recursive: true });

  const datasets: Record<string, DatasetConfig> = {};
  for (const id of values.datasets.split(',').map((s) => s.trim()).filter(Boolean)) {
    // Telemetry datasets run in their own workers: their floods are decoded and applied there, so
    // the hub thread stays free for primary.
    datasets[id] = APPEND_DATASETS.has(id) ? { kind: 'append' } : {};
  }
  const node = await createNode({
    storage: sqliteStorage({ path: join(dataDir, 'hub.db') }),
    datasets,
    ...(values.token === undefined ? {} : { auth: { token: values.token } }),
  });
  const listener = await listen(node, { port, host: values.host });
  process.stdout.write(`sluice hub ${node.nodeId} listening on ${listener.url} (data: ${dataDir}, datasets: ${node.datasetIds.join(', ')})\n`);

  const timer =
    statsSeconds > 0
      ? setInterval(() => {
          void node.metrics().then((m) => {
            const parts = Object.entries(m).map(([id, d]) => `${id}: ${d.oplogEntries} entries, in ${d.entriesIn}, out ${d.entriesOut}, errors ${d.errors}`);
            process.stdout.write(`[${new Date().toISOString()}] connections ${listener.connections()} | ${parts.join(' | ')}\n`);
          });
        }, statsSeconds * 1000)
      : undefined;

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      process.stdout.write(`sluice hub: ${signal}, shutting down\n`);
      done();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // A launcher (the demo) keeps our stdin open; when it dies, even by SIGKILL, the pipe closes and
    // the hub stops instead of living on as an orphan.
    if (values['exit-with-stdin']) {
      process.stdin.once('end', () => stop('parent gone'));
      process.stdin.once('close', () => stop('parent gone'));
      process.stdin.resume();
    }
  });
  if (timer) clearInterval(timer);
  // Stop taking connections first, then close the node: every acknowledged write is already
  // committed, and closing the storage checkpoints the WAL.
  await listener.close();
  await node.close();
  process.stdout.write('sluice hub: stopped cleanly\n');
  return 0;
}
