/*
 * One tab of an app that syncs through a hub: createNode with default options (so the origin's
 * tabs share one replica per dataset), dexieStorage, one WebSocket peer (?hub=), and a live query
 * over the shared list. The e2e test opens several of these in one browser profile.
 */
import { createNode, type JsonValue } from 'sluice';
import { dexieStorage } from 'sluice/dexie';
import { websocket } from 'sluice/websocket';

export interface TabsPageApi {
  readonly nodeId: string;
  /** Starts writing `count` documents `${prefix}-${i}`, `concurrency` at a time; returns at once. */
  burst(prefix: string, count: number, concurrency: number): void;
  /** Keys whose put has resolved (acknowledged), in order. */
  acked(): string[];
  /** Puts still waiting for an answer, and failures. */
  progress(): { inFlight: number; failed: string[] };
  /** The live query's current keys, and how many results it has delivered. */
  live(): { keys: string[]; deliveries: number };
  leading(): Promise<string>;
  close(): Promise<void>;
}

declare global {
  interface Window {
    __tabs?: TabsPageApi;
    __tabsError?: string;
  }
}

const params = new URL(location.href).searchParams;
const hub = params.get('hub');
const stateEl = document.getElementById('state')!;

async function main(): Promise<void> {
  if (!hub) throw new Error('tabs.html needs ?hub=ws://127.0.0.1:<port>');
  const node = await createNode({ storage: dexieStorage({ name: params.get('db') ?? 'sluice-tabs' }), peers: [websocket(hub)] });
  const items = node.collection<{ by: string; n: number }>('items', { indexes: ['by'] });
  const acked: string[] = [];
  const failed: string[] = [];
  let inFlight = 0;
  let live: { keys: string[]; deliveries: number } = { keys: [], deliveries: 0 };
  items.query({ orderBy: 'n' }).subscribe((result) => {
    live = { keys: result.documents.map((d) => d.key), deliveries: live.deliveries + 1 };
  });

  window.__tabs = {
    nodeId: node.nodeId,
    burst(prefix, count, concurrency) {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const key = `${prefix}-${String(i).padStart(4, '0')}`;
          inFlight++;
          try {
            await items.put(key, { by: prefix, n: i } as unknown as { by: string; n: number } & JsonValue);
            acked.push(key);
          } catch (error) {
            failed.push(`${key}: ${(error as Error).message}`);
          } finally {
            inFlight--;
          }
        }
      };
      for (let w = 0; w < concurrency; w++) void worker();
    },
    acked: () => [...acked],
    progress: () => ({ inFlight, failed: [...failed] }),
    live: () => live,
    leading: async () => (await node.metrics()).primary!.worker.state,
    close: () => node.close(),
  };
  stateEl.textContent = `ready · node ${node.nodeId}`;
}

main().catch((error: unknown) => {
  window.__tabsError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  stateEl.textContent = `error: ${window.__tabsError}`;
});
