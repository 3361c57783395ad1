import type { SinkMetrics } from 'sluice';
import { el } from './dom.ts';

type SinkStatus = { name: string; recordsFed: number; barriers: number; behind: number; routing: SinkMetrics | null };

/** The routing sink's load per writer and bucket, its skew and its hottest keys. */
export class SinkView {
  private readonly summary = el('p', { 'data-testid': 'sink-summary' }, ['no sink yet']);
  private readonly writers = el('div', { class: 'sink-writers', 'data-testid': 'sink-writers' });
  private readonly hot = el('p', { 'data-testid': 'sink-hot-keys' });

  constructor(root: HTMLElement) {
    root.append(this.summary, this.writers, this.hot);
  }

  update(sinks: readonly SinkStatus[] | undefined): void {
    const sink = sinks?.[0];
    const r = sink?.routing;
    if (!sink || !r) {
      this.summary.textContent = 'no routing sink on this node';
      return;
    }
    const skew = r.skew === null ? '–' : r.skew.toFixed(2);
    this.summary.textContent = `${sink.name}: ${r.strategy} routing, ${r.writers.length} writers, ${r.bucketCount} buckets (${r.bucketsWithTraffic} with traffic), skew ${skew}, ${sink.recordsFed} records fed, ${sink.barriers} checkpoints, dead letters ${r.deadLettered}`;
    this.summary.dataset.skew = skew;
    const max = Math.max(1, ...r.writers.map((w) => w.records));
    this.writers.replaceChildren(
      ...r.writers.map((w) =>
        el('div', { class: 'sink-writer', 'data-testid': 'sink-writer' }, [
          el('span', {}, [`writer ${w.writer}`]),
          el('span', { class: 'bar', style: `width:${Math.round((w.records / max) * 200)}px` }),
          el('span', {}, [`${w.records} records · queue ${w.queueDepth} · credits ${w.credits}`]),
        ]),
      ),
    );
    this.hot.textContent = r.topKeys.length === 0 ? '' : `hottest documents: ${r.topKeys.slice(0, 5).map((k) => `${k.key} (${k.count})`).join(', ')}`;
  }
}
