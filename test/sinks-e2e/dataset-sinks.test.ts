import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkIndexSink } from '../../demo/sinks/chunk-index-sink.ts';
import { MemoryChunkIndex } from '../../demo/sinks/chunk-index.ts';
import type { SinkConfig, SinkRecord, SinkWriter } from '../../src/pipeline/sinks/sink-api.ts';
import { join } from 'node:path';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import { Harness } from '../sync/harness.ts';

const paragraphs = (n: number, tag = 'v1') => Array.from({ length: n }, (_, i) => `${tag} paragraph ${i}`).join('\n\n');

/** What the index must hold for a set of live documents: one chunk per paragraph. */
function expectedChunks(docs: Record<string, string>) {
  return Object.entries(docs)
    .flatMap(([id, text]) => text.split('\n\n').map((p, i) => `${id}#${i}=${p}`))
    .sort();
}
const actualChunks = (index: MemoryChunkIndex) => index.entries().map((c) => `${c.chunkId}=${c.text}`).sort();

describe('sinks on a dataset', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('keeps a 4-writer chunk index consistent under local and remote edits and deletes', async () => {
    const index = new MemoryChunkIndex();
    const sink = chunkIndexSink({ index, parallelism: 4 });
    const hub = await h.hub('hub');
    const node = await h.node('n', { peers: [h.peer(hub.url)], datasets: { primary: { sinks: [sink] } } });
    const docs = node.collection('docs');
    await docs.putMany(Array.from({ length: 40 }, (_, i) => ({ key: `d${i}`, value: { text: paragraphs(10) } })));
    await node.drainSinks('primary');
    expect(index.entries()).toHaveLength(400);

    const before = { upserts: index.counters().upserts, deletes: index.counters().deletes };
    await docs.put('d0', { text: paragraphs(6) }); // 10 -> 6 chunks: 4 stale deletes, nothing rewritten
    await docs.put('d1', { text: paragraphs(10) }); // unchanged: writes nothing
    await docs.delete('d2');
    await docs.put('d2', { text: paragraphs(3, 'v2') }); // delete then re-create
    await hub.node.collection('docs').put('remote', { text: paragraphs(2, 'hub') });
    await node.syncNow();
    await node.drainSinks('primary');
    const after = index.counters();
    expect(after.deletes - before.deletes).toBe(4 + 10); // d0's 4 stale + d2's tombstone (10)
    expect(after.upserts - before.upserts).toBe(3 + 2); // d2's new version + the remote document

    const live: Record<string, string> = {};
    for (const d of await docs.all()) live[d.key] = (d.value as { text: string }).text;
    expect(actualChunks(index)).toEqual(expectedChunks(live));
    const m = (await node.metrics()).primary!.sinks[0]!;
    expect(m.routing!.writers).toHaveLength(4);
    expect(m.behind).toBe(0);
  });

  it('a sink with collections is fed those collections only, and the others do not hold back its cursor', async () => {
    const seen: SinkRecord[] = [];
    const sink: SinkConfig = {
      name: 'items-only',
      collections: ['items'],
      open: (): SinkWriter => ({ write: async (batch) => void seen.push(...batch), onControl: async () => undefined, checkpoint: async () => undefined }),
    };
    const node = await h.node('c', { datasets: { primary: { sinks: [sink] } } });
    await node.collection('items').putMany([{ key: 'a', value: { t: 1 } }, { key: 'b', value: { t: 2 } }]);
    await node.collection('probes').putMany(Array.from({ length: 50 }, (_, i) => ({ key: `p${i}`, value: { i } })));
    await node.collection('items').delete('a');
    await node.drainSinks('primary');
    expect(new Set(seen.map((r) => r.collection))).toEqual(new Set(['items']));
    // A put and a delete fed in one batch collapse to the delete: only the last state per key is certain.
    const last = new Map(seen.map((r) => [r.key, r.op]));
    expect(Object.fromEntries(last)).toEqual({ a: 'delete', b: 'put' });
    const m = (await node.metrics()).primary!.sinks[0]!;
    expect(m).toMatchObject({ recordsFed: seen.length, behind: 0 });
    await expect(h.node('bad', { datasets: { primary: { sinks: [{ ...sink, collections: [] }] } } })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'datasets.primary.sinks[0].collections' } });
    await expect(h.node('bad2', { datasets: { primary: { sinks: [{ ...sink, collections: ['ok', ''] }] } } })).rejects.toMatchObject({ code: 'invalid_options' });
  });

  it('a crash in the middle of a document replays from the checkpoint to the same final index', async () => {
    const storage = h.storage('n');
    const index = new MemoryChunkIndex();
    let stuck = false;
    // First run: writer 0 hangs forever on document d7, as if the process died mid-document.
    const hangingSink: SinkConfig = {
      ...chunkIndexSink({ index, parallelism: 2 }),
      open: async (i) => {
        const inner = await chunkIndexSink({ index, parallelism: 2 }).open(i);
        return {
          ...inner,
          write: async (batch: readonly SinkRecord[]) => {
            const cut = batch.findIndex((r) => r.key === 'd7');
            if (cut < 0) return inner.write(batch);
            await inner.write(batch.slice(0, cut));
            stuck = true;
            return new Promise<void>(() => undefined);
          },
          onControl: (e) => inner.onControl(e),
          checkpoint: (b) => inner.checkpoint(b),
        } satisfies SinkWriter;
      },
    };
    // Not registered with the harness: this node is abandoned mid-document, never closed.
    const first = await createNode({ nodeId: 'n', storage, heartbeatMs: 0, datasets: { primary: { sinks: [hangingSink] } } });
    await first.collection('docs').putMany(Array.from({ length: 12 }, (_, i) => ({ key: `d${i}`, value: { text: paragraphs(3 + (i % 4)) } })));
    await vi.waitFor(() => expect(stuck).toBe(true));
    // The node is abandoned, not closed: its sink never checkpoints past d7's batch.

    const second = await h.node('n2', { storage, nodeId: 'n', datasets: { primary: { sinks: [chunkIndexSink({ index, parallelism: 2 })] } } });
    await second.drainSinks('primary');
    const live: Record<string, string> = {};
    for (const d of await second.collection('docs').all()) live[d.key] = (d.value as { text: string }).text;
    expect(actualChunks(index)).toEqual(expectedChunks(live));
    expect((await second.metrics()).primary!.sinks[0]!.behind).toBe(0);
  });

  it('a stalled writer backpressures only its sink: primary keeps syncing, memory stays bounded, nothing is lost', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const received: string[] = [];
    const slow: SinkConfig = {
      name: 'slow',
      parallelism: 2,
      partition: { strategy: 'hash', fields: ['documentId'] },
      open: (i) => ({
        write: async (batch) => {
          if (i === 0) await gate;
          received.push(...batch.map((r) => r.key));
        },
        onControl: async () => undefined,
        checkpoint: async () => undefined,
      }),
    };
    const hub = await h.hub('hub');
    const node = await h.node('n', { peers: [h.peer(hub.url)], datasets: { primary: { sinks: [slow] } } });
    await node.collection('docs').putMany(Array.from({ length: 5_000 }, (_, i) => ({ key: `k${i}`, value: i })));
    // Primary sync is not held back by the stalled writer.
    expect((await node.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(await hub.node.collection('docs').get('k4999')).toBe(4_999);
    await vi.waitFor(async () => {
      const w = (await node.metrics()).primary!.sinks[0]!.routing!.writers;
      expect(w.some((x) => x.queueDepth > 0)).toBe(true);
    });
    for (const w of (await node.metrics()).primary!.sinks[0]!.routing!.writers) expect(w.queueDepth).toBeLessThanOrEqual(1_000);
    release();
    await node.drainSinks('primary');
    expect(new Set(received).size).toBe(5_000);
  });

  it('refuses to restore a sink checkpoint with another bucket count unless rebalance is asked for', async () => {
    const file = join(h.dir(), 'n.db');
    const storage = sqliteStorage({ path: file });
    const index = new MemoryChunkIndex();
    const a = await h.node('a', { storage, nodeId: 'n', datasets: { primary: { sinks: [chunkIndexSink({ index, buckets: 128 })] } } });
    await a.collection('docs').put('x', { text: 'one' });
    await a.drainSinks('primary');
    await a.close();
    await expect(h.node('b', { storage: sqliteStorage({ path: file }), nodeId: 'n', datasets: { primary: { sinks: [chunkIndexSink({ index, buckets: 64 })] } } })).rejects.toThrow(/rebalance/);
    const c = await h.node('c', { storage: sqliteStorage({ path: file }), nodeId: 'n', datasets: { primary: { sinks: [{ ...chunkIndexSink({ index, buckets: 64 }), rebalance: true }] } } });
    expect(c.datasetIds).toEqual(['primary']);
  });
});
