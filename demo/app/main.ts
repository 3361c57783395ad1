/*
 * The sluice demo page, on IndexedDB (Dexie), syncing with the hub over WebSocket. Every tab of
 * the page shares one replica per dataset: one tab leads each dataset and runs its worker, the
 * others reach it; closing that tab hands the dataset on. Changing the A/B mode or an overflow
 * policy recreates the node with the new config.
 */
import type { OverflowPolicy, SyncNode } from 'sluice';
import { resolveHubUrl } from './config.ts';
import { renderControls } from './controls.ts';
import { createDemoNode, ITEMS, PROBES, type PipelineMode, type TelemetryId } from './demo-node.ts';
import { ItemsView, type Item } from './items-view.ts';
import { TelemetryLoad } from './load.ts';
import { SinkView } from './sink-view.ts';
import { MetricsView } from './metrics-view.ts';
import { readHubCounts } from './hub-metrics.ts';
import { clock, TabLatency } from './tab-latency.ts';
import './style.css';

const PROBE_MS = 250;
const STORAGE_NAME = 'sluice-demo';
const HUB_COUNTS_MS = 1_000;

function byTestId<T extends HTMLElement>(id: string): T {
  const node = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!node) throw new Error(`missing element ${id}`);
  return node;
}

async function main(): Promise<void> {
  const status = byTestId('node-status');
  const setStatus = (text: string, state: string) => {
    status.textContent = text;
    status.dataset.state = state;
  };
  const hubUrl = await resolveHubUrl();
  // Tabs share the node, so a tab is told apart by a name of its own (probes, item authors).
  const slot = { label: `tab ${crypto.randomUUID().slice(0, 4)}`, storageName: STORAGE_NAME };
  byTestId('hub-url').textContent = hubUrl;
  byTestId('tab-label').textContent = `${slot.label} · IndexedDB "${slot.storageName}", shared by this page's tabs`;

  const load = new TelemetryLoad();
  const items = new ItemsView(byTestId('primary-view'), slot.label);
  const metrics = new MetricsView(byTestId('charts'), byTestId('readouts'), byTestId('workers'), load);
  const sinkView = new SinkView(byTestId('sink-view'));
  const probeKey = slot.label.replace(/\s+/g, '-');
  const tabLatency = new TabLatency(probeKey);
  const hubTimer = setInterval(() => void readHubCounts().then((c) => metrics.updateHub(c)), HUB_COUNTS_MS);
  const config = { mode: 'isolated' as PipelineMode, policies: { logs: 'drop-oldest', timeseries: 'drop-oldest' } as Record<TelemetryId, OverflowPolicy> };

  let node: SyncNode | undefined;
  let offMetrics: (() => void) | undefined;
  let probeTimer: ReturnType<typeof setInterval> | undefined;
  let offProbes: (() => void) | undefined;
  let chain: Promise<void> = Promise.resolve();

  const stop = async () => {
    load.target(undefined, config.mode);
    if (probeTimer) clearInterval(probeTimer);
    offMetrics?.();
    offProbes?.();
    items.detach();
    const old = node;
    node = undefined;
    await old?.close().catch(() => undefined);
  };

  const start = async () => {
    setStatus(`starting (${config.mode})…`, 'starting');
    try {
      const n = await createDemoNode({ hubUrl, storageName: slot.storageName, mode: config.mode, policies: config.policies });
      node = n;
      metrics.reset();
      items.attach(n.collection<Item>(ITEMS));
      offMetrics = n.on('metrics', (m) => {
        tabLatency.forgetSilent();
        metrics.update(m, config.mode, tabLatency.snapshot());
        sinkView.update(m.primary?.sinks);
      });
      const probes = n.collection(PROBES);
      // Other tabs' probes, arriving through sync, are timed against their BroadcastChannel announcements.
      offProbes = probes.subscribe((changes) => {
        for (const c of changes) {
          const beat = (c.value as { beat?: unknown } | undefined)?.beat;
          if (c.key !== probeKey && typeof beat === 'number') tabLatency.seen(c.key, beat);
        }
      });
      // Beats continue across node restarts (a mode switch), so another tab never sees one go back.
      let beat = Math.floor(clock());
      // A small primary write every 250 ms keeps the tab-to-tab chart fed even when nobody edits.
      probeTimer = setInterval(() => {
        const at = clock();
        const b = beat++;
        tabLatency.wrote(b, at);
        void probes.put(probeKey, { beat: b, at }).catch(() => undefined);
      }, PROBE_MS);
      load.target(n, config.mode);
      setStatus(`running · ${config.mode} · node ${n.nodeId}`, 'running');
      document.body.dataset.mode = config.mode;
    } catch (error) {
      setStatus(`failed to start: ${(error as Error).message}`, 'error');
    }
  };

  const controls = renderControls(byTestId('controls'), load, config, {
    onPolicy: (id, policy) => restart(() => (config.policies[id] = policy)),
    onMode: (mode) => restart(() => (config.mode = mode)),
  });

  function restart(change: () => void): void {
    chain = chain.then(async () => {
      controls.setBusy(true);
      change();
      await stop();
      await start();
      controls.setBusy(false);
    });
  }

  restart(() => undefined);
  addEventListener('pagehide', () => {
    clearInterval(hubTimer);
    tabLatency.close();
    void stop();
  });
}

void main().catch((error) => {
  const status = document.querySelector<HTMLElement>('[data-testid="node-status"]');
  if (status) {
    status.textContent = `error: ${(error as Error).message}`;
    status.dataset.state = 'error';
  }
});
