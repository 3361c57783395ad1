/** Rolling uPlot line charts: one x axis of seconds, a fixed window of points. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from './dom.ts';

const WINDOW_POINTS = 240; // 60 s at 4 updates a second
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export class RollingChart {
  private readonly plot: uPlot;
  private readonly data: number[][];

  constructor(parent: HTMLElement, title: string, series: string[], testId: string, unit = '') {
    const box = el('div', { class: 'chart', 'data-testid': testId });
    parent.append(box);
    this.data = [[], ...series.map(() => [])];
    const width = Math.max(280, Math.min(560, box.clientWidth || 460));
    this.plot = new uPlot(
      {
        title,
        width,
        height: 180,
        legend: { live: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{}, { size: 60, values: (_u, ticks) => ticks.map((t) => `${formatNumber(t)}${unit}`) }],
        series: [{}, ...series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length]!, width: 1.5, spanGaps: true }))],
      },
      this.data as uPlot.AlignedData,
      box,
    );
  }

  push(values: (number | null)[]): void {
    this.data[0]!.push(Date.now() / 1000);
    values.forEach((v, i) => this.data[i + 1]!.push(v as number));
    if (this.data[0]!.length > WINDOW_POINTS) for (const column of this.data) column.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
  }
}

export function formatNumber(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n * 10) / 10);
}
