/** Load controls: rate sliders, bursts and overflow policy per telemetry dataset, plus the A/B switch. */
import type { OverflowPolicy } from 'sluice';
import { formatNumber } from './charts.ts';
import { TELEMETRY, type PipelineMode, type TelemetryId } from './demo-node.ts';
import { el } from './dom.ts';
import type { TelemetryLoad } from './load.ts';

export const MAX_RATE = 50_000;
const BURSTS = [10_000, 100_000];
const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['block', 'drop-oldest', 'drop-newest', 'spill'];

export interface ControlsHandlers {
  onPolicy(id: TelemetryId, policy: OverflowPolicy): void;
  onMode(mode: PipelineMode): void;
}

export function renderControls(root: HTMLElement, load: TelemetryLoad, initial: { mode: PipelineMode; policies: Record<TelemetryId, OverflowPolicy> }, handlers: ControlsHandlers): { setBusy(busy: boolean): void } {
  const selects: HTMLSelectElement[] = [];
  const mode = el('select', { 'data-testid': 'ab-switch', 'aria-label': 'pipelines' }, [
    el('option', { value: 'isolated' }, ['A: isolated pipelines (logs, timeseries in workers)']),
    el('option', { value: 'shared' }, ['B: one shared pipeline (telemetry as primary collections)']),
  ]);
  mode.value = initial.mode;
  mode.addEventListener('change', () => handlers.onMode(mode.value as PipelineMode));
  selects.push(mode);
  root.append(el('label', { class: 'ab' }, ['Pipelines ', mode]));

  for (const id of TELEMETRY) {
    const slider = el('input', { type: 'range', min: '0', max: String(MAX_RATE), step: '500', value: '0', 'data-testid': `rate-${id}`, 'aria-label': `${id} rate` });
    const shown = el('output', { 'data-testid': `rate-${id}-value` }, ['0/s']);
    slider.addEventListener('input', () => {
      load.rates[id] = Number(slider.value);
      shown.textContent = `${formatNumber(load.rates[id])}/s`;
    });
    const policy = el('select', { 'data-testid': `policy-${id}`, 'aria-label': `${id} overflow policy` }, OVERFLOW_POLICIES.map((p) => el('option', { value: p }, [p])));
    policy.value = initial.policies[id];
    policy.addEventListener('change', () => handlers.onPolicy(id, policy.value as OverflowPolicy));
    selects.push(policy);
    const bursts = BURSTS.map((n) => {
      const b = el('button', { type: 'button', 'data-testid': `burst-${id}-${n}` }, [`+${formatNumber(n)}`]);
      b.addEventListener('click', () => load.burst(id, n));
      return b;
    });
    root.append(el('fieldset', { class: 'load', 'data-testid': `load-${id}` }, [el('legend', {}, [id]), el('label', {}, ['rate ', slider, ' ', shown]), el('label', {}, ['overflow ', policy]), el('span', { class: 'bursts' }, ['burst ', ...bursts])]));
  }
  return {
    setBusy(busy) {
      for (const s of selects) s.disabled = busy;
    },
  };
}
