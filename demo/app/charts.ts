/** Rolling uPlot line charts: the last minute, a clock-time x axis and a y axis with its unit. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from './dom.ts';

const WINDOW_POINTS = 240; // 60 s at 4 updates a second
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export interface ChartAxis {
  /** The y axis label. */
  readonly unit: string;
  /** How a y tick value reads. */
  readonly format: (value: number) => string;
}

export class RollingChart {
  private readonly plot: uPlot;
  private readonly data: (number | null)[][];

  constructor(parent: HTMLElement, title: string, series: string[], testId: string, axis: ChartAxis) {
    const box = el('div', { class: 'chart', 'data-testid': testId });
    parent.append(box);
    this.data = [[], ...series.map(() => [])];
    const width = Math.max(300, Math.min(560, box.clientWidth || 480));
    this.plot = new uPlot(
      {
        title,
        width,
        height: 200,
        legend: { live: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 1) * 1.1)] } },
        axes: [
          { label: 'time (last minute)', labelSize: 18, values: (_u, ticks) => ticks.map((t) => clockTime(t)) },
          { label: axis.unit, labelSize: 18, size: 64, values: (_u, ticks) => ticks.map((t) => axis.format(t)) },
        ],
        series: [{}, ...series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length]!, width: 1.5, spanGaps: true }))],
      },
      this.data as uPlot.AlignedData,
      box,
    );
  }

  push(values: (number | null)[]): void {
    this.data[0]!.push(Date.now() / 1000);
    values.forEach((v, i) => this.data[i + 1]!.push(v));
    if (this.data[0]!.length > WINDOW_POINTS) for (const column of this.data) column.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
  }
}

function clockTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
}

export function formatNumber(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n * 10) / 10);
}

export function formatBytes(n: number): string {
  const a = Math.abs(n);
  if (a >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (a >= 1024) return `${(n / 1024).toFixed(a >= 10 * 1024 ? 0 : 1)} kB`;
  return `${Math.round(n)} B`;
}
