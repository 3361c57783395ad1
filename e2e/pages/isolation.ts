/*
 * The page `npm run bench -- browser-isolation` drives (two tabs of it). Library defaults
 * throughout: dexieStorage, one WebSocket peer (?hub=), and either
 *   ?mode=multi:  primary in the page's thread, logs and timeseries as append datasets in their
 *                 default Web Workers;
 *   ?mode=single: the control, primary alone, telemetry written as primary collections.
 * The writer tab generates the load on its own main thread, as an app would; the reader tab times
 * the writer's primary probes: written (sentAt) to seen here, on the same machine clock.
 */
import { createNode, type JsonValue } from 'sluice';
import { dexieStorage } from 'sluice/dexie';
import { websocket } from 'sluice/websocket';

export interface IsolationPageApi {
  readonly nodeId: string;
  /** Starts writing one probe on primary (the reader times it); failures are counted, not thrown. */
  probe(key: string): void;
  probeErrors(): number;
  /** Writer side: ms from a probe's put() to its local commit, for keys starting with `prefix`. */
  commitLatencies(prefix: string): number[];
  /** Latencies (ms) of the probes seen so far with keys starting with `prefix`. */
  latencies(prefix: string): number[];
  /** Appends `logsPerSec` + `pointsPerSec` records in 10 ms ticks for `seconds`. */
  startLoad(logsPerSec: number, pointsPerSec: number, seconds: number): void;
  load(): { running: boolean; offered: number; skipped: number; startedAt: number; endedAt: number };
  dropped(): Promise<number>;
  /** Records the buffers still hold (accepted, not yet in the dataset's storage). */
  pending(): Promise<number>;
  /** Oplog entries this tab holds of its telemetry datasets (a tab only uploads telemetry). */
  telemetryEntries(): Promise<number>;
  longestTaskMs(): number;
  resetLongTasks(): void;
}

declare global {
  interface Window {
    __bench?: IsolationPageApi;
    __benchError?: string;
  }
}

const params = new URL(location.href).searchParams;
const hub = params.get('hub')!;
const mode = params.get('mode') === 'single' ? 'single' : 'multi';
const TICK_MS = 10;

let longest = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longest = Math.max(longest, entry.duration);
}).observe({ type: 'longtask', buffered: true });

async function main(): Promise<void> {
  const node = await createNode({
    storage: dexieStorage({ name: params.get('db') ?? 'sluice-bench' }),
    peers: [websocket(hub)],
    datasets: mode === 'multi' ? { primary: {}, logs: { kind: 'append' }, timeseries: { kind: 'append' } } : { primary: {} },
  });
  const probes = node.collection('probes');
  const seen = new Map<string, number>();
  probes.subscribe((changes) => {
    const now = performance.timeOrigin + performance.now();
    for (const c of changes) {
      const sentAt = (c.value as { sentAt?: number } | undefined)?.sentAt;
      if (typeof sentAt === 'number' && !seen.has(c.key)) seen.set(c.key, now - sentAt);
    }
  });
  const load = { running: false, offered: 0, skipped: 0, startedAt: 0, endedAt: 0 };
  let seq = 0;
  let probeErrors = 0;
  const committed = new Map<string, number>();

  const tick = (logsPerTick: number, pointsPerTick: number) => {
    const at = Date.now();
    const logs = Array.from({ length: logsPerTick }, () => ({ seq: seq++, at, level: 'info', msg: 'request served', route: '/api/items', ms: seq % 97 }));
    const points = Array.from({ length: pointsPerTick }, () => ({ seq: seq++, at, metric: 'cpu', host: 'tab-a', value: (seq % 1000) / 10 }));
    if (mode === 'multi') {
      void node.dataset('logs').append(logs);
      void node.dataset('timeseries').append(points);
    } else {
      // One shared pipeline: the telemetry competes with primary for everything.
      const logDocs = logs.map((r) => ({ key: `l${r.seq}`, value: r as unknown as JsonValue }));
      const pointDocs = points.map((r) => ({ key: `p${r.seq}`, value: r as unknown as JsonValue }));
      void node.collection('logs').putMany(logDocs).catch(() => (load.skipped += logDocs.length));
      void node.collection('points').putMany(pointDocs).catch(() => (load.skipped += pointDocs.length));
    }
    load.offered += logsPerTick + pointsPerTick;
  };

  const api: IsolationPageApi = {
    nodeId: node.nodeId,
    probe(key) {
      // Not awaited: under the control's load a write can queue for seconds behind the telemetry.
      const sentAt = performance.timeOrigin + performance.now();
      probes.put(key, { sentAt }).then(
        () => committed.set(key, performance.timeOrigin + performance.now() - sentAt),
        () => probeErrors++,
      );
    },
    commitLatencies: (prefix) => [...committed].filter(([k]) => k.startsWith(prefix)).map(([, ms]) => ms),
    probeErrors: () => probeErrors,
    latencies: (prefix) => [...seen].filter(([k]) => k.startsWith(prefix)).map(([, ms]) => ms),
    startLoad(logsPerSec, pointsPerSec, seconds) {
      Object.assign(load, { running: true, offered: 0, skipped: 0, startedAt: Date.now(), endedAt: 0 });
      const end = performance.now() + seconds * 1000;
      let due = performance.now();
      let carryLogs = 0;
      let carryPoints = 0;
      const step = () => {
        // Catch up on missed ticks so the offered rate holds even when the thread is busy.
        while (due <= performance.now() && due < end) {
          carryLogs += (logsPerSec * TICK_MS) / 1000;
          carryPoints += (pointsPerSec * TICK_MS) / 1000;
          const l = Math.floor(carryLogs);
          const p = Math.floor(carryPoints);
          carryLogs -= l;
          carryPoints -= p;
          tick(l, p);
          due += TICK_MS;
        }
        if (due < end) setTimeout(step, Math.max(0, due - performance.now()));
        else Object.assign(load, { running: false, endedAt: Date.now() });
      };
      step();
    },
    load: () => ({ ...load }),
    async dropped() {
      const m = await node.metrics();
      let n = 0;
      for (const ds of ['logs', 'timeseries']) for (const v of Object.values(m[ds]?.buffer?.dropped ?? {})) n += v;
      return n;
    },
    async pending() {
      const m = await node.metrics();
      let n = 0;
      for (const ds of ['logs', 'timeseries']) {
        const b = m[ds]?.buffer;
        if (b) n += b.appended - b.ingested - Object.values(b.dropped).reduce((x, y) => x + y, 0);
      }
      return n;
    },
    async telemetryEntries() {
      const m = await node.metrics();
      return (m.logs?.oplogEntries ?? 0) + (m.timeseries?.oplogEntries ?? 0);
    },
    longestTaskMs: () => longest,
    resetLongTasks: () => void (longest = 0),
  };
  window.__bench = api;
  document.getElementById('state')!.textContent = `${mode} node ${node.nodeId} ready`;
  document.title = 'ready';
}

main().catch((error: unknown) => {
  window.__benchError = String((error as Error)?.stack ?? error);
  document.title = 'failed';
});
