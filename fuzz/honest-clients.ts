import { isDeepStrictEqual } from 'node:util';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import type { DatasetId } from '../src/core/dataset-id.ts';
import { createNode } from '../src/runtime/create-node.ts';
import type { SyncNode } from '../src/runtime/sync-node.ts';
import type { RoundReport } from '../src/sync/dataset-orchestrator.ts';
import type { HonestLedger } from './honest-ledger.ts';
import { recordingConnector, type FrameRecorder } from './recording-connector.ts';

/*
 * Honest clients: real sluice nodes from the sources, on memory storage, dialing the hub with the
 * right token. They provide the captured frames, and after every batch they prove the hub still
 * does its job: a write on one reaches the other through the hub, driven by syncNow() rather than
 * timers, so the check waits exactly as long as the sync takes.
 */

export const DATASETS = ['primary', 'logs', 'timeseries'] as const satisfies readonly DatasetId[];
export const APPEND_DATASETS = ['logs', 'timeseries'] as const satisfies readonly DatasetId[];
export const TODOS = 'todos';

const HOUR = 60 * 60 * 1000;

export interface HonestClient {
  readonly name: string;
  readonly nodeId: string;
  readonly node: SyncNode;
}

export async function startHonestClient(options: { name: string; nodeId: string; url: string; token: string; ledger: HonestLedger; recorder: FrameRecorder }): Promise<HonestClient> {
  const { name, nodeId, url, token, ledger, recorder } = options;
  const node = await createNode({
    nodeId,
    storage: ledger.wrap(memoryStorage(), nodeId),
    peers: [recordingConnector(websocket(url, { token }), nodeId, recorder)],
    // Everything in-process (the recording connector cannot cross into a worker), and a sync
    // interval long enough that only syncNow() and local writes start rounds.
    datasets: {
      primary: { syncInterval: HOUR },
      // Both directions: the honest clients check that each one's records reach the other.
      logs: { kind: 'append', worker: false, syncInterval: HOUR, direction: 'both' },
      timeseries: { kind: 'append', worker: false, syncInterval: HOUR, direction: 'both' },
    },
  });
  return { name, nodeId, node };
}

export interface HonestRoundResult {
  readonly ok: boolean;
  readonly label: string;
  readonly direction: string;
  readonly ms: number;
  /** Which step failed: writer-sync, reader-sync, primary-not-delivered, logs-not-delivered, ... */
  readonly step?: string;
  readonly error?: string;
}

/**
 * One put on primary and one record on each append dataset by `writer`, synced through the hub to
 * `reader`. Every write is announced to the ledger first, so the state check knows it is honest.
 */
export async function honestRound(writer: HonestClient, reader: HonestClient, ledger: HonestLedger, label: string, timeoutMs = 20_000): Promise<HonestRoundResult> {
  const started = Date.now();
  const direction = `${writer.name}->${reader.name}`;
  let step = 'write';
  const run = async (): Promise<HonestRoundResult> => {
    const key = `h-${label}`;
    const value = { by: writer.nodeId, label, note: `honest write ${label}` };
    ledger.expectPut('primary', writer.nodeId, TODOS, key, value);
    await writer.node.collection(TODOS).put(key, value);
    const ids: Record<string, string> = {};
    for (const ds of APPEND_DATASETS) {
      const id = `${writer.nodeId}-${ds}-${label}`;
      ids[ds] = id;
      ledger.expectRecords(ds, writer.nodeId, [id]);
      await writer.node.dataset(ds).append({ id, level: 'info', msg: `honest ${ds} ${label}`, n: 1 });
      await writer.node.dataset(ds).flush();
    }
    step = 'writer-sync';
    const failedWriter = failures(await writer.node.syncNow());
    if (failedWriter) return fail(step, failedWriter);
    step = 'reader-sync';
    const failedReader = failures(await reader.node.syncNow());
    if (failedReader) return fail(step, failedReader);
    step = 'primary-not-delivered';
    const got = await reader.node.collection(TODOS).get(key);
    if (!isDeepStrictEqual(got, value)) return fail(step, `reader has ${JSON.stringify(got)} for ${TODOS}/${key}, expected ${JSON.stringify(value)}`);
    for (const ds of APPEND_DATASETS) {
      step = `${ds}-not-delivered`;
      if (!(await hasRecord(reader, ds, ids[ds]!))) return fail(step, `record ${ids[ds]} did not reach ${reader.name} through the hub`);
    }
    return { ok: true, label, direction, ms: Date.now() - started };
  };
  const fail = (failedStep: string, error: string): HonestRoundResult => ({ ok: false, label, direction, ms: Date.now() - started, step: failedStep, error });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<HonestRoundResult>((resolve) => {
    timer = setTimeout(() => resolve(fail(step, `no result within ${timeoutMs} ms (stuck at ${step})`)), timeoutMs);
  });
  try {
    return await Promise.race([run().catch((error: unknown) => fail(step, errorText(error))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Failed peers of a syncNow() report, as one line; undefined when every dataset synced. */
function failures(reports: readonly RoundReport[]): string | undefined {
  const bad: string[] = [];
  for (const r of reports) {
    if (r.peers.length === 0) bad.push(`${r.datasetId}: no peer was tried`);
    for (const p of r.peers) if (!p.ok) bad.push(`${r.datasetId}: ${p.code ?? 'error'}: ${p.error ?? ''}`);
  }
  return bad.length === 0 ? undefined : bad.join(' | ');
}

async function hasRecord(client: HonestClient, ds: DatasetId, id: string): Promise<boolean> {
  let after = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await client.node.dataset(ds).records(after, 1000);
    if (page.records.some((r) => typeof r === 'object' && r !== null && (r as { id?: unknown }).id === id)) return true;
    if (page.next === null) return false;
    after = page.next;
  }
  return false;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${(error as { code?: string }).code ? `${(error as { code?: string }).code}: ` : ''}${error.message}`;
  return String(error);
}
