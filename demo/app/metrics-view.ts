/*
 * What a user cares about, measured where it happens:
 * - primary, tab to tab: a write in another tab → seen here (tab-latency.ts), with the age of what
 *   is still on its way;
 * - telemetry offered by this tab against what the hub stored (the hub's own counts, all tabs);
 * - drops, buffer depth;
 * - health: the library's per dataset (drops, unacknowledged writes, peer lag) and the page's
 *   tab-to-tab thresholds, the worst of them in one badge;
 * - bytes this tab's sockets sent and received, per dataset.
 */
import type { DatasetStatus } from 'sluice';
import { RollingChart, formatBytes, formatNumber } from './charts.ts';
import { TELEMETRY, type PipelineMode, type TelemetryId } from './demo-node.ts';
import { el } from './dom.ts';
import type { HubCounts } from './hub-metrics.ts';
import type { TelemetryLoad } from './load.ts';
import type { TabLatencySnapshot } from './tab-latency.ts';

type Metrics = Record<string, DatasetStatus>;
type Health = 'healthy' | 'degraded' | 'unhealthy';

const RATE_WINDOW_MS = 1_000;
/** Page thresholds on primary's tab-to-tab latency. */
export const TAB_P95_DEGRADED_MS = 500;
export const TAB_PENDING_UNHEALTHY_MS = 5_000;

interface Sample {
  at: number;
  offered: Record<TelemetryId, number>;
  bytesOut: number;
  bytesIn: number;
}

interface HubSample {
  at: number;
  stored: Record<TelemetryId, number>;
}

export class MetricsView {
  private readonly tabChart: RollingChart;
  private readonly telemetryChart: RollingChart;
  private readonly bufferChart: RollingChart;
  private readonly bytesChart: RollingChart;
  private readonly table: HTMLTableSectionElement;
  private readonly readouts: Record<string, HTMLElement> = {};
  private readonly badge: HTMLElement;
  private history: Sample[] = [];
  private hubHistory: HubSample[] = [];
  private storedRate: Record<TelemetryId, number | null> = { logs: null, timeseries: null };

  constructor(chartsRoot: HTMLElement, readoutRoot: HTMLElement, tableRoot: HTMLElement, private readonly load: TelemetryLoad) {
    this.badge = el('p', { class: 'health', 'data-testid': 'health', 'data-health': 'unknown' }, ['health: –']);
    readoutRoot.before(this.badge);
    const readout = (id: string, label: string) => {
      const value = el('strong', { 'data-testid': id }, ['–']);
      readoutRoot.append(el('div', { class: 'readout' }, [el('span', {}, [label]), value]));
      this.readouts[id] = value;
    };
    readout('tab-latency-p50', 'primary tab→tab p50');
    readout('tab-latency-p95', 'primary tab→tab p95');
    readout('tab-latency-pending', 'oldest probe in flight');
    readout('offered-logs', 'logs offered here rec/s');
    readout('stored-logs', 'logs stored at hub rec/s');
    readout('offered-timeseries', 'timeseries offered here rec/s');
    readout('stored-timeseries', 'timeseries stored at hub rec/s');
    readout('buffer-depth-logs', 'logs buffer');
    readout('buffer-depth-timeseries', 'timeseries buffer');
    readout('drops-total', 'dropped / held back');
    readout('wire-out', 'sent by this tab');
    this.tabChart = new RollingChart(chartsRoot, 'primary: written in another tab → seen here', ['p50', 'p95', 'oldest in flight'], 'chart-tab-latency', { unit: 'ms', format: (v) => `${formatNumber(v)} ms` });
    this.telemetryChart = new RollingChart(chartsRoot, 'telemetry: offered by this tab vs stored at the hub (all tabs)', ['logs offered', 'logs stored', 'timeseries offered', 'timeseries stored'], 'chart-telemetry', { unit: 'records/s', format: formatNumber });
    this.bufferChart = new RollingChart(chartsRoot, 'append buffers: depth and drops', ['logs depth', 'timeseries depth', 'logs dropped', 'timeseries dropped'], 'chart-buffer', { unit: 'records', format: formatNumber });
    this.bytesChart = new RollingChart(chartsRoot, "this tab's sockets: bytes per second", ['sent', 'received'], 'chart-bytes', { unit: 'bytes/s', format: formatBytes });
    this.table = el('tbody', { 'data-testid': 'worker-table-body' });
    tableRoot.append(
      el('table', { class: 'workers', 'data-testid': 'worker-table' }, [
        el('thead', {}, [el('tr', {}, ['dataset', 'worker', 'restarts', 'health', 'oplog', 'sent', 'errors', 'why'].map((h) => el('th', {}, [h])))]),
        this.table,
      ]),
    );
  }

  /** A recreated node starts its counters at zero. */
  reset(): void {
    this.history = [];
  }

  /** The hub's counts (about once a second): stored rates come from their deltas. */
  updateHub(counts: HubCounts | null): void {
    if (!counts) return;
    const sample: HubSample = { at: counts.at, stored: { logs: counts.datasets.logs?.recordsStored ?? 0, timeseries: counts.datasets.timeseries?.recordsStored ?? 0 } };
    const prev = this.hubHistory[this.hubHistory.length - 1];
    this.hubHistory = [...this.hubHistory.slice(-1), sample];
    if (!prev || sample.at <= prev.at) return;
    const seconds = (sample.at - prev.at) / 1000;
    // A restarted hub starts from zero again: no rate for that step.
    for (const id of TELEMETRY) this.storedRate[id] = sample.stored[id] < prev.stored[id] ? null : (sample.stored[id] - prev.stored[id]) / seconds;
  }

  update(m: Metrics, mode: PipelineMode, tab: TabLatencySnapshot): void {
    const now = performance.now();
    const sample: Sample = { at: now, offered: { logs: 0, timeseries: 0 }, bytesOut: 0, bytesIn: 0 };
    for (const id of TELEMETRY) sample.offered[id] = this.load.counters[id].produced + this.load.counters[id].heldBack;
    for (const d of Object.values(m)) {
      sample.bytesOut += d.bytesOut;
      sample.bytesIn += d.bytesIn;
    }
    this.history.push(sample);
    while (this.history.length > 2 && now - this.history[1]!.at >= RATE_WINDOW_MS) this.history.shift();
    const prev = this.history.length > 1 ? this.history[0] : undefined;

    this.tabChart.push([tab.p50, tab.p95, tab.pendingMs]);
    this.set('tab-latency-p50', tab.p50 === null ? 'no other tab' : `${Math.round(tab.p50)} ms`);
    this.set('tab-latency-p95', tab.p95 === null ? 'no other tab' : `${Math.round(tab.p95)} ms`);
    this.set('tab-latency-pending', `${Math.round(tab.pendingMs)} ms`);

    const stored = (id: TelemetryId) => (mode === 'isolated' ? this.storedRate[id] : null);
    if (prev) {
      const seconds = Math.max(0.05, (now - prev.at) / 1000);
      const offered = (id: TelemetryId) => Math.max(0, (sample.offered[id] - prev.offered[id]) / seconds);
      this.telemetryChart.push([offered('logs'), stored('logs'), offered('timeseries'), stored('timeseries')]);
      for (const id of TELEMETRY) {
        this.set(`offered-${id}`, formatNumber(offered(id)));
        const s = stored(id);
        this.set(`stored-${id}`, mode === 'shared' ? 'n/a (in primary)' : s === null ? '–' : formatNumber(s));
      }
      const out = Math.max(0, (sample.bytesOut - prev.bytesOut) / seconds);
      const inn = Math.max(0, (sample.bytesIn - prev.bytesIn) / seconds);
      this.bytesChart.push([out, inn]);
      this.set('wire-out', `${formatBytes(out)}/s`);
    }

    const dropped = (id: TelemetryId) => {
      const b = m[id]?.buffer;
      return b ? Object.values(b.dropped).reduce((a, n) => a + n, 0) : 0;
    };
    const depth = (id: TelemetryId) => m[id]?.buffer?.depth ?? 0;
    this.bufferChart.push([depth('logs'), depth('timeseries'), dropped('logs') + this.load.counters.logs.heldBack, dropped('timeseries') + this.load.counters.timeseries.heldBack]);
    this.set('buffer-depth-logs', mode === 'isolated' ? formatNumber(depth('logs')) : 'n/a (shared)');
    this.set('buffer-depth-timeseries', mode === 'isolated' ? formatNumber(depth('timeseries')) : 'n/a (shared)');
    const heldBack = this.load.counters.logs.heldBack + this.load.counters.timeseries.heldBack;
    this.set('drops-total', `${formatNumber(dropped('logs') + dropped('timeseries'))} / ${formatNumber(heldBack)}`);
    this.renderHealth(m, tab);
    this.renderTable(m);
  }

  private renderHealth(m: Metrics, tab: TabLatencySnapshot): void {
    let worst: Health = 'healthy';
    const reasons: string[] = [];
    const raise = (status: Health, reason: string) => {
      if (status === 'healthy') return;
      if (status === 'unhealthy' || worst === 'healthy') worst = status;
      reasons.push(reason);
    };
    for (const [id, d] of Object.entries(m)) raise(d.health.status, `${id}: ${d.health.reason}`);
    if (tab.pendingMs > TAB_PENDING_UNHEALTHY_MS) raise('unhealthy', `a primary write from another tab has not arrived for ${Math.round(tab.pendingMs)} ms`);
    else if (tab.p95 !== null && tab.p95 > TAB_P95_DEGRADED_MS) raise('degraded', `primary tab→tab p95 ${Math.round(tab.p95)} ms (over ${TAB_P95_DEGRADED_MS} ms)`);
    this.badge.dataset.health = worst;
    const text = worst === 'healthy' ? 'health: healthy' : `health: ${worst} — ${reasons.join('; ')}`;
    if (this.badge.textContent !== text) this.badge.textContent = text;
  }

  private renderTable(m: Metrics): void {
    const rows = Object.entries(m).map(([id, d]) => {
      const health = d.health?.status ?? 'unknown';
      const why = health === 'healthy' ? '' : d.health.reason;
      return el('tr', { 'data-testid': `worker-row-${id}`, 'data-health': health, 'data-worker': d.worker.state }, [
        el('td', {}, [id]),
        el('td', { class: `state-${d.worker.state}` }, [d.worker.state]),
        el('td', {}, [String(d.worker.restarts)]),
        el('td', { class: `health-${health}` }, [health]),
        el('td', {}, [formatNumber(d.oplogEntries)]),
        el('td', {}, [formatBytes(d.bytesOut)]),
        el('td', {}, [String(d.errors)]),
        el('td', { class: 'error', title: [why, d.lastError?.message ?? ''].filter(Boolean).join(' / ') }, [(why || (d.lastError ? `${d.lastError.code}: ${d.lastError.message}` : '')).slice(0, 90)]),
      ]);
    });
    this.table.replaceChildren(...rows);
  }

  private set(id: string, text: string): void {
    const node = this.readouts[id];
    if (node && node.textContent !== text) node.textContent = text;
  }
}
