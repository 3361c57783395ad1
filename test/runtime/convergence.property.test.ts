import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { listen } from '../../adapters/transport/websocket/node/server.ts';
import { SluiceError } from '../../src/core/errors.ts';
import type { Connector } from '../../src/protocol/transport.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';

type Who = 'hub' | 'a' | 'b';
type Op =
  | { kind: 'put'; who: Who; ds: 'primary' | 'notes'; key: string; value: number }
  | { kind: 'delete'; who: Who; ds: 'primary' | 'notes'; key: string }
  | { kind: 'append'; who: Who; count: number }
  | { kind: 'sync'; who: 'a' | 'b' }
  | { kind: 'toggle'; who: 'a' | 'b' };

const who = fc.constantFrom<Who>('hub', 'a', 'b');
const client = fc.constantFrom<'a' | 'b'>('a', 'b');
const ds = fc.constantFrom<'primary' | 'notes'>('primary', 'notes');
const key = fc.constantFrom('k0', 'k1', 'k2', 'k3');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), who, ds, key, value: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ kind: fc.constant('delete' as const), who, ds, key }),
  fc.record({ kind: fc.constant('append' as const), who, count: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('sync' as const), who: client }),
  fc.record({ kind: fc.constant('toggle' as const), who: client }),
);

/** A connector that can be switched off, like a laptop losing its network. */
function switchable(inner: Connector) {
  let online = true;
  const open = new Set<{ close(code?: number, reason?: string): void }>();
  const connector: Connector = {
    url: inner.url,
    token: inner.token,
    async connect(signal) {
      if (!online) throw new SluiceError('connection_closed', 'offline');
      const t = await inner.connect(signal);
      open.add(t);
      return t;
    },
  };
  return {
    connector,
    toggle() {
      online = !online;
      if (!online) for (const t of open) t.close(1001, 'network lost');
      open.clear();
    },
    online: () => online,
    goOnline() {
      online = true;
    },
  };
}

const DATASETS = { primary: {}, notes: { resolvers: { items: 'json-merge' as const } }, logs: { kind: 'append' as const, worker: false, direction: 'both' as const } }; // every node reads every record here

describe('convergence property', () => {
  it('three nodes, three datasets: random writes, appends and disconnects converge, and no acknowledged write is lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const storages: Record<Who, StorageAdapter> = { hub: memoryStorage(), a: memoryStorage(), b: memoryStorage() };
        const hub = await createNode({ nodeId: 'hub', storage: storages.hub, datasets: DATASETS, heartbeatMs: 0 });
        const listener = await listen(hub, { port: 0 });
        const links = { a: switchable(websocket(listener.url)), b: switchable(websocket(listener.url)) };
        const nodes: Record<Who, SyncNode> = {
          hub,
          a: await createNode({ nodeId: 'a', storage: storages.a, peers: [links.a.connector], datasets: { ...DATASETS, primary: { syncInterval: 3_600_000 }, notes: { ...DATASETS.notes, syncInterval: 3_600_000 }, logs: { ...DATASETS.logs, syncInterval: 3_600_000 } }, heartbeatMs: 0 }),
          b: await createNode({ nodeId: 'b', storage: storages.b, peers: [links.b.connector], datasets: { ...DATASETS, primary: { syncInterval: 3_600_000 }, notes: { ...DATASETS.notes, syncInterval: 3_600_000 }, logs: { ...DATASETS.logs, syncInterval: 3_600_000 } }, heartbeatMs: 0 }),
        };
        // Hashes of writes that a successful sync acknowledged (hub writes count at once).
        const acked = new Map<string, string>();
        const unacked: Record<'a' | 'b', [string, string][]> = { a: [], b: [] };
        const headOf = async (w: Who, d: string) => (await storages[w].open(d).oplog.head(w))!.hash;
        try {
          for (const o of ops) {
            if (o.kind === 'put' || o.kind === 'delete') {
              const c = nodes[o.who].collection('items', o.ds);
              if (o.kind === 'put') await c.put(o.key, o.ds === 'notes' ? { [o.key]: o.value, by: o.who } : o.value);
              else await c.delete(o.key);
              const hash = await headOf(o.who, o.ds);
              if (o.who === 'hub') acked.set(hash, o.ds);
              else unacked[o.who].push([hash, o.ds]);
            } else if (o.kind === 'append') {
              const logs = nodes[o.who].dataset('logs');
              logs.append(Array.from({ length: o.count }, (_, i) => ({ by: o.who, i })));
              await logs.flush();
              const hash = await headOf(o.who, 'logs');
              if (o.who === 'hub') acked.set(hash, 'logs');
              else unacked[o.who].push([hash, 'logs']);
            } else if (o.kind === 'sync') {
              const reports = await nodes[o.who].syncNow();
              // A write is acknowledged once its dataset's round succeeded after it.
              const okDatasets = new Set(reports.filter((r) => r.peers.every((p) => p.ok)).map((r) => r.datasetId));
              unacked[o.who] = unacked[o.who].filter(([hash, d]) => {
                if (!okDatasets.has(d)) return true;
                acked.set(hash, d);
                return false;
              });
            } else {
              links[o.who].toggle();
            }
          }
          // Heal: everyone online, two rounds each.
          links.a.goOnline();
          links.b.goOnline();
          for (let i = 0; i < 2; i++) for (const w of ['a', 'b'] as const) await nodes[w].syncNow();

          for (const d of ['primary', 'notes', 'logs']) {
            const exports = await Promise.all((['hub', 'a', 'b'] as const).map(async (w) => {
              const s = await storages[w].open(d).snapshots.export();
              return JSON.stringify({ documents: s.documents.map(({ meta: _m, ...rest }) => rest), oplog: s.oplog.map((e) => e.hash), heads: s.heads });
            }));
            expect(exports[1]).toBe(exports[0]);
            expect(exports[2]).toBe(exports[0]);
          }
          for (const [hash, d] of acked) {
            for (const w of ['hub', 'a', 'b'] as const) expect(await storages[w].open(d).oplog.getByHash(hash)).toBeDefined();
          }
        } finally {
          for (const n of Object.values(nodes)) await n.close().catch(() => undefined);
          await listener.close();
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
