import { join } from 'node:path';
import { sqliteStorage } from '../adapters/storage/sqlite/better-sqlite3/index.ts';
import type { Listener } from '../adapters/transport/websocket/listen-options.ts';
import { listen } from '../adapters/transport/websocket/node/server.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { DatasetConfig } from '../src/runtime/node-options.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import { prepareDataDir } from './data-dir.ts';
import { hubNodeId, openPostgres, redactedUrl } from './postgres-storage.ts';
import type { HubArgs } from './hub-args.ts';
import { explainListenError } from './listen-error.ts';
import { serveMetrics, type MetricsServer } from './metrics-server.ts';

const APPEND_DATASETS = new Set(['logs', 'timeseries']);

/**
 * `sluice hub`: a hub on SQLite under --data, serving until SIGINT/SIGTERM (or stdin closing).
 * Whatever it opened is closed on every way out, failures included: the append datasets' workers
 * alone would keep the process alive after, say, a busy port.
 */
export async function runHub(args: HubArgs): Promise<number> {
  const dataDir = prepareDataDir(args.data);

  const datasets: Record<string, DatasetConfig> = {};
  for (const id of args.datasets) {
    // Telemetry datasets run in their own workers: their floods are decoded and applied there, so
    // the hub thread stays free for primary.
    datasets[id] = APPEND_DATASETS.has(id) ? { kind: 'append' } : {};
  }
  const storage = args.postgres === undefined ? sqliteStorage({ path: join(dataDir, 'hub.db') }) : await openPostgres(args.postgres);
  // Hubs over one database share every row but must not share an identity: each keeps its own id
  // in its data directory.
  const nodeId = args.postgres === undefined ? undefined : hubNodeId(dataDir);
  let node: SyncNode | undefined;
  let listener: Listener | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let metrics: MetricsServer | undefined;
  try {
    try {
      node = await createNode({ storage, datasets, ...(nodeId === undefined ? {} : { nodeId }), ...(args.token === undefined ? {} : { auth: { token: args.token } }) });
    } catch (error) {
      const where = args.postgres === undefined ? `in ${dataDir}` : `in PostgreSQL at ${redactedUrl(args.postgres)}`;
      throw new Error(`cannot open the hub's storage ${where}: ${(error as Error).message}`, { cause: error });
    }
    try {
      listener = await listen(node, { port: args.port, host: args.host, maxConnections: args.maxConnections });
    } catch (error) {
      throw explainListenError(error, args.host, args.port);
    }
    process.stdout.write(`sluice hub ${node.nodeId} listening on ${listener.url} (data: ${args.postgres === undefined ? dataDir : `PostgreSQL at ${redactedUrl(args.postgres)}`}, datasets: ${node.datasetIds.join(', ')}, max connections: ${args.maxConnections})\n`);
    if (args.statsSeconds > 0) timer = setInterval(printStats(node, listener), args.statsSeconds * 1000);
    if (args.metricsPort !== undefined) {
      try {
        metrics = await serveMetrics(node, listener, args.host, args.metricsPort, args.token);
      } catch (error) {
        throw new Error(`--metrics-port: ${explainListenError(error, args.host, args.metricsPort).message}`, { cause: error });
      }
      process.stdout.write(`sluice hub: metrics on ${metrics.url}\n`);
    }
    const signal = await stopRequested(args);
    process.stdout.write(`sluice hub: ${signal}, shutting down\n`);
  } catch (error) {
    // The failure is what the user needs to see; a problem while cleaning up after it is secondary.
    await metrics?.close();
    await shutDown(listener, node, storage, timer).catch(() => undefined);
    throw error;
  }
  await metrics?.close();
  await shutDown(listener, node, storage, timer);
  process.stdout.write('sluice hub: stopped cleanly\n');
  return 0;
}

/**
 * Stops taking connections first, then closes the node: every acknowledged write is already
 * committed, and closing the storage checkpoints the WAL. Without a node, closes the storage alone.
 */
async function shutDown(listener: Listener | undefined, node: SyncNode | undefined, storage: { close(): Promise<void> }, timer: ReturnType<typeof setInterval> | undefined): Promise<void> {
  if (timer) clearInterval(timer);
  try {
    await listener?.close();
  } finally {
    if (node) await node.close();
    else await storage.close();
  }
}

function printStats(node: SyncNode, listener: Listener): () => void {
  return () => {
    node.metrics().then(
      (m) => {
        const parts = Object.entries(m).map(([id, d]) => `${id}: ${d.oplogEntries} entries, in ${d.entriesIn}, out ${d.entriesOut}, errors ${d.errors}`);
        process.stdout.write(`[${new Date().toISOString()}] connections ${listener.connections()} | ${parts.join(' | ')}\n`);
      },
      (error: unknown) => process.stderr.write(`sluice hub: could not read metrics: ${(error as Error).message}\n`),
    );
  };
}

/** Resolves with what asked the hub to stop; leaves no listeners behind. */
function stopRequested(args: HubArgs): Promise<string> {
  return new Promise((resolve) => {
    const onSigint = () => stop('SIGINT');
    const onSigterm = () => stop('SIGTERM');
    const onStdinGone = () => stop('parent gone');
    const stop = (reason: string) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      if (args.exitWithStdin) {
        process.stdin.off('end', onStdinGone);
        process.stdin.off('close', onStdinGone);
        // A paused stdin no longer holds the event loop open.
        process.stdin.pause();
      }
      resolve(reason);
    };
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    // A launcher (the demo) keeps our stdin open; when it dies, even by SIGKILL, the pipe closes and
    // the hub stops instead of living on as an orphan.
    if (args.exitWithStdin) {
      process.stdin.once('end', onStdinGone);
      process.stdin.once('close', onStdinGone);
      process.stdin.resume();
    }
  });
}
