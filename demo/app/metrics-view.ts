/*
 * Live readouts and charts from node.on('metrics') (every 250 ms): primary lag, telemetry
 * throughput, buffer depth and drops, bytes on the wire, and the per-dataset worker/health table.
 */
import type { DatasetStatus } from 'sluice';
import { RollingChart, formatNumber } from './charts.ts';
import { TELEMETRY, type PipelineMode, type TelemetryId } from './demo-node.ts';
import { el } from './dom.ts';
import type { TelemetryLoad } from './load.ts';

type Metrics = Record<string, DatasetStatus>;

const RATE_WINDOW_MS = 1_000;

interface Sample {
  at: number;
  accepted: Record<TelemetryId, number>;
  bytesOut: Record<string, number>;
}

export class MetricsView {
  private readonly lagChart: RollingChart;
  private readonly throughputChart: RollingChart;
  private readonly bufferChart: RollingChart;
  private readonly bytesChart: RollingChart;
  private readonly table: HTMLTableSectionElement;
  private readonly readouts: Record<string, HTMLElement> = {};
  /** Recent samples: rates are taken over about a second, as batches land in steps. */
  private history: Sample[] = [];

  constructor(chartsRoot: HTMLElement, readoutRoot: HTMLElement, tableRoot: HTMLElement, private readonly load: TelemetryLoad) {
    const readout = (id: string, label: string) => {
      const value = el('strong', { 'data-testid': id }, ['–']);
      readoutRoot.append(el('div', { class: 'readout' }, [el('span', {}, [label]), value]));
      this.readouts[id] = value;
    };
    readout('lag-p50', 'primary lag p50');
    readout('lag-p95', 'primary lag p95');
    readout('throughput-logs', 'logs rec/s');
    readout('throughput-timeseries', 'timeseries rec/s');
    readout('buffer-depth-logs', 'logs buffer');
    readout('buffer-depth-timeseries', 'timeseries buffer');
    readout('drops-total', 'dropped / held back');
    this.lagChart = new RollingChart(chartsRoot, 'primary sync lag (write → ack)', ['p50', 'p95'], 'chart-lag', ' ms');
    this.throughputChart = new RollingChart(chartsRoot, 'telemetry accepted (records/s)', ['logs', 'timeseries'], 'chart-throughput');
    this.bufferChart = new RollingChart(chartsRoot, 'buffer depth and drops', ['logs depth', 'timeseries depth', 'logs dropped', 'timeseries dropped'], 'chart-buffer');
    this.bytesChart = new RollingChart(chartsRoot, 'bytes on the wire out (B/s)', ['primary', 'logs', 'timeseries'], 'chart-bytes');
    this.table = el('tbody', { 'data-testid': 'worker-table-body' });
    tableRoot.append(
      el('table', { class: 'workers', 'data-testid': 'worker-table' }, [
        el('thead', {}, [el('tr', {}, ['dataset', 'worker', 'restarts', 'health', 'oplog', 'out', 'errors', 'last error'].map((h) => el('th', {}, [h])))]),
        this.table,
      ]),
    );
  }

  /** A recreated node starts its counters at zero. */
  reset(): void {
    this.history = [];
  }

  update(m: Metrics, mode: PipelineMode): void {
    const now = performance.now();
    const sample: Sample = { at: now, accepted: { logs: 0, timeseries: 0 }, bytesOut: {} };
    for (const id of TELEMETRY) {
      const b = m[id]?.buffer;
      sample.accepted[id] = mode === 'isolated' ? (b ? b.ingested + b.spilled : 0) : this.load.counters[id].written;
    }
    for (const [id, d] of Object.entries(m)) sample.bytesOut[id] = d.bytesOut;
    this.history.push(sample);
    while (this.history.length > 2 && now - this.history[1]!.at >= RATE_WINDOW_MS) this.history.shift();
    const prev = this.history.length > 1 ? this.history[0] : undefined;

    const lag = m.primary?.lag.ack;
    this.lagChart.push([lag?.p50 ?? null, lag?.p95 ?? null]);
    this.set('lag-p50', lag?.p50 == null ? '–' : `${Math.round(lag.p50)} ms`);
    this.set('lag-p95', lag?.p95 == null ? '–' : `${Math.round(lag.p95)} ms`);

    if (prev) {
      const seconds = Math.max(0.05, (now - prev.at) / 1000);
      const rate = (id: TelemetryId) => Math.max(0, (sample.accepted[id] - prev.accepted[id]) / seconds);
      const bytes = (id: string) => Math.max(0, ((sample.bytesOut[id] ?? 0) - (prev.bytesOut[id] ?? 0)) / seconds);
      this.throughputChart.push([rate('logs'), rate('timeseries')]);
      this.set('throughput-logs', formatNumber(rate('logs')));
      this.set('throughput-timeseries', formatNumber(rate('timeseries')));
      this.bytesChart.push([bytes('primary'), bytes('logs'), bytes('timeseries')]);
    }

    const dropped = (id: TelemetryId) => {
      const b = m[id]?.buffer;
      return b ? Object.values(b.dropped).reduce((a, n) => a + n, 0) : 0;
    };
    const depth = (id: TelemetryId) => m[id]?.buffer?.depth ?? 0;
    this.bufferChart.push([depth('logs'), depth('timeseries'), dropped('logs') + this.load.counters.logs.heldBack, dropped('timeseries') + this.load.counters.timeseries.heldBack]);
    this.set('buffer-depth-logs', mode === 'isolated' ? formatNumber(depth('logs')) : 'n/a (shared)');
    this.set('buffer-depth-timeseries', mode === 'isolated' ? formatNumber(depth('timeseries')) : 'n/a (shared)');
    const totalDropped = dropped('logs') + dropped('timeseries');
    const heldBack = this.load.counters.logs.heldBack + this.load.counters.timeseries.heldBack;
    this.set('drops-total', `${formatNumber(totalDropped)} / ${formatNumber(heldBack)}`);
    this.renderTable(m);
  }

  private renderTable(m: Metrics): void {
    const rows = Object.entries(m).map(([id, d]) => {
      const health = d.health?.status ?? 'unknown';
      return el('tr', { 'data-testid': `worker-row-${id}`, 'data-health': health, 'data-worker': d.worker.state }, [
        el('td', {}, [id]),
        el('td', { class: `state-${d.worker.state}` }, [d.worker.state]),
        el('td', {}, [String(d.worker.restarts)]),
        el('td', { class: `health-${health}` }, [health]),
        el('td', {}, [formatNumber(d.oplogEntries)]),
        el('td', {}, [formatNumber(d.entriesOut)]),
        el('td', {}, [String(d.errors)]),
        el('td', { class: 'error', title: d.lastError?.message ?? '' }, [d.lastError ? `${d.lastError.code}: ${d.lastError.message}`.slice(0, 80) : '']),
      ]);
    });
    this.table.replaceChildren(...rows);
  }

  private set(id: string, text: string): void {
    const node = this.readouts[id];
    if (node && node.textContent !== text) node.textContent = text;
  }
}
