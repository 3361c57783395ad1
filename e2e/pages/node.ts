/*
 * A sluice node in the page: dexieStorage on the browser's IndexedDB, one WebSocket peer (the hub
 * named by ?hub=ws://127.0.0.1:<port>, with ?token= and ?node= for a hub that checks JWTs), datasets `primary` (documents) and `logs` (append), each
 * in a Web Worker shared by the profile's tabs (the browser default). The e2e tests drive it through `window.__sluice`.
 */
import { createNode, type DatasetStatus, type JsonValue } from 'sluice';
import { dexieStorage } from 'sluice/dexie';
import { websocket } from 'sluice/websocket';

export const LOGS_MAX_RECORDS = 2_000;

export interface LoadOptions {
  /** How long to append, in ms. */
  readonly durationMs: number;
  /** Each slice appends for this long, then yields to the event loop. */
  readonly sliceMs: number;
}

export interface LoadReport {
  running: boolean;
  slices: number;
  appended: number;
  /** Largest logs buffer depth seen in metrics() while loading. */
  maxDepth: number;
  samples: number;
  error: string | null;
}

export interface LongTasks {
  count: number;
  maxMs: number;
  totalMs: number;
}

export interface SluicePageApi {
  readonly nodeId: string;
  readonly logsMaxRecords: number;
  put(key: string, value: JsonValue): Promise<void>;
  get(key: string): Promise<JsonValue | undefined>;
  all(): Promise<{ key: string; value: JsonValue }[]>;
  appendLogs(count: number): Promise<void>;
  syncNow(): Promise<{ datasetId: string; ok: boolean; errors: string[] }[]>;
  metrics(): Promise<Record<string, DatasetStatus>>;
  startLoad(options: LoadOptions): void;
  load(): LoadReport;
  longTasks(): LongTasks;
  resetLongTasks(): void;
  close(): Promise<void>;
}

declare global {
  interface Window {
    __sluice?: SluicePageApi;
    __sluiceError?: string;
  }
}

const params = new URL(location.href).searchParams;
const hub = params.get('hub');
const dbName = params.get('db') ?? 'sluice-e2e';
// A hub with JWT auth (the edge hub) takes the page's token, whose sub is the page's node id.
const token = params.get('token');
const nodeId = params.get('node');
const stateEl = document.getElementById('state')!;
const statsEl = document.getElementById('stats')!;
const barEl = document.getElementById('bar')!;

// Long tasks (> 50 ms on the main thread), recorded from page start.
const longTasks: LongTasks = { count: 0, maxMs: 0, totalMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    longTasks.count++;
    longTasks.totalMs += entry.duration;
    longTasks.maxMs = Math.max(longTasks.maxMs, entry.duration);
  }
}).observe({ type: 'longtask', buffered: true });

async function main(): Promise<void> {
  if (!hub) throw new Error('node.html needs ?hub=ws://127.0.0.1:<port>');
  const node = await createNode({
    storage: dexieStorage({ name: dbName }),
    peers: [websocket(hub, token === null ? {} : { token })],
    ...(nodeId === null ? {} : { nodeId }),
    heartbeatMs: 2_000,
    datasets: {
      // Default sync options: writes arrive by live push, syncInterval is anti-entropy only.
      primary: {},
      logs: { kind: 'append', worker: true, buffer: { maxRecords: LOGS_MAX_RECORDS, flushRecords: 250, flushIntervalMs: 50, policy: 'drop-oldest' } },
    },
  });
  const items = node.collection('items');
  const logs = node.dataset('logs');
  let seq = 0;
  const load: LoadReport = { running: false, slices: 0, appended: 0, maxDepth: 0, samples: 0, error: null };

  const sample = async () => {
    const m = await node.metrics();
    load.samples++;
    load.maxDepth = Math.max(load.maxDepth, m.logs?.buffer?.depth ?? 0);
    return m;
  };

  const api: SluicePageApi = {
    nodeId: node.nodeId,
    logsMaxRecords: LOGS_MAX_RECORDS,
    put: (key, value) => items.put(key, value),
    get: (key) => items.get(key),
    all: () => items.all(),
    async appendLogs(count) {
      const batch = Array.from({ length: count }, () => ({ seq: seq++, at: Date.now(), msg: 'e2e log line', level: 'info' }));
      await logs.append(batch);
    },
    async syncNow() {
      const reports = await node.syncNow();
      return reports.map((r) => ({ datasetId: r.datasetId, ok: r.peers.length > 0 && r.peers.every((p) => p.ok), errors: r.peers.flatMap((p) => (p.error ? [p.error] : [])) }));
    },
    metrics: () => node.metrics(),
    startLoad({ durationMs, sliceMs }) {
      if (load.running) throw new Error('load already running');
      Object.assign(load, { running: true, slices: 0, appended: 0, maxDepth: 0, samples: 0, error: null });
      const end = performance.now() + durationMs;
      const sampler = setInterval(() => void sample().catch(() => undefined), 50);
      const slice = () => {
        try {
          const sliceEnd = Math.min(performance.now() + sliceMs, end);
          while (performance.now() < sliceEnd) {
            const batch = Array.from({ length: 20 }, () => ({ seq: seq++, at: Date.now(), msg: 'load log line with a little payload to encode', level: 'debug' }));
            void logs.append(batch);
            load.appended += batch.length;
          }
          load.slices++;
        } catch (error) {
          load.error = String(error);
        }
        if (performance.now() < end && load.error === null) setTimeout(slice, 4);
        else {
          clearInterval(sampler);
          void sample()
            .catch(() => undefined)
            .finally(() => (load.running = false));
        }
      };
      setTimeout(slice, 0);
    },
    load: () => ({ ...load }),
    longTasks: () => ({ ...longTasks }),
    resetLongTasks() {
      Object.assign(longTasks, { count: 0, maxMs: 0, totalMs: 0 });
    },
    close: () => node.close(),
  };
  window.__sluice = api;
  stateEl.textContent = `node ${node.nodeId} · hub ${hub} · db ${dbName}`;

  // A small live panel, so screenshots show what the node is doing.
  const render = async () => {
    const m = await node.metrics();
    const docs = (await items.all()).length;
    const b = m.logs?.buffer;
    const rows: [string, string | number][] = [
      ['primary documents', docs],
      ['primary entries in / out', `${m.primary?.entriesIn ?? 0} / ${m.primary?.entriesOut ?? 0}`],
      ['logs worker', m.logs?.worker.state ?? '-'],
      ['logs appended / ingested', `${b?.appended ?? 0} / ${b?.ingested ?? 0}`],
      ['logs dropped (oldest)', b?.dropped['drop-oldest'] ?? 0],
      ['logs buffer depth / max', `${b?.depth ?? 0} / ${LOGS_MAX_RECORDS} (peak ${load.maxDepth})`],
      ['logs entries out', m.logs?.entriesOut ?? 0],
      ['long tasks (count, max ms)', `${longTasks.count}, ${longTasks.maxMs.toFixed(0)}`],
    ];
    statsEl.replaceChildren(
      ...rows.map(([k, v]) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        const td = document.createElement('td');
        th.textContent = k;
        td.textContent = String(v);
        tr.append(th, td);
        return tr;
      }),
    );
    barEl.style.width = `${Math.min(100, ((b?.depth ?? 0) / LOGS_MAX_RECORDS) * 100)}%`;
  };
  const tick = () => void render().catch(() => undefined).finally(() => setTimeout(tick, 250));
  tick();
}

main().catch((error: unknown) => {
  window.__sluiceError = String((error as Error)?.stack ?? error);
  stateEl.textContent = `failed: ${window.__sluiceError}`;
});
