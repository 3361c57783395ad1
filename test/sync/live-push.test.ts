import { afterEach, describe, expect, it } from 'vitest';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import { Harness } from './harness.ts';

/*
 * Live push with default options (anti-entropy every 30 s): a hub announces every commit to the
 * nodes that dialed it, and they pull at once. Nothing here calls syncNow, so a write can only
 * arrive through the push path.
 */

/** Resolves once `node` holds `key`; fails after `ms` (far below the 30 s anti-entropy interval). */
function arrives(node: SyncNode, key: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${key} did not arrive within ${ms} ms`)), ms);
    const check = async () => {
      if ((await node.collection('todos').get(key)) !== undefined) {
        clearTimeout(timer);
        off();
        resolve();
      }
    };
    const off = node.collection('todos').subscribe(() => void check());
    void check();
  });
}

describe('live push through a hub', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('delivers a write to every other node without a poll, and no node pushes back what it pulled', async () => {
    const hub = await h.hub('hub');
    const writer = await h.node('writer', { peers: [h.peer(hub.url)] });
    const readers = await Promise.all([1, 2, 3].map((i) => h.node(`reader-${i}`, { peers: [h.peer(hub.url)] })));
    // every node has dialed (its first round ran) before the writes
    await Promise.all([writer, ...readers].map((n) => n.syncNow()));

    for (let i = 0; i < 5; i++) {
      await writer.collection('todos').put(`k${i}`, { i });
      await Promise.all(readers.map((r) => arrives(r, `k${i}`)));
    }
    // the hub received each entry once, from its author: readers sent nothing back
    for (const r of readers) expect((await r.metrics()).primary!.entriesOut).toBe(0);
    expect((await hub.node.metrics()).primary!.entriesIn).toBe(5);
  });

  it('a reader confirms the hub\'s watermarks from its notices, so a new author does not make it degraded until the next round', async () => {
    const hub = await h.hub('hub');
    const reader = await h.node('reader', { peers: [h.peer(hub.url)] });
    await reader.syncNow();
    // The writer appears after the reader's last round: only notices tell the reader about it.
    const writer = await h.node('writer', { peers: [h.peer(hub.url)] });
    await writer.syncNow();
    await writer.collection('todos').put('new-author', { ok: true });
    await arrives(reader, 'new-author');
    await expect.poll(async () => (await reader.metrics()).primary!.health, { timeout: 10_000 }).toMatchObject({ status: 'healthy', missingConfirmations: [] });
  });

  it('delivers a commit too large to ride in the notice by a pull, and the small one after it inside the notice', async () => {
    const hub = await h.hub('hub');
    const writer = await h.node('writer', { peers: [h.peer(hub.url)] });
    const reader = await h.node('reader', { peers: [h.peer(hub.url)] });
    await Promise.all([writer.syncNow(), reader.syncNow()]);
    await writer.collection('todos').putMany(Array.from({ length: 2_000 }, (_, i) => ({ key: `bulk-${i}`, value: { i, pad: 'x'.repeat(40) } })));
    await arrives(reader, 'bulk-1999');
    await writer.collection('todos').put('small', { ok: true });
    await arrives(reader, 'small');
    expect((await reader.collection('todos').all()).length).toBe(2_001);
    expect((await reader.metrics()).primary!.entriesOut).toBe(0);
  });

  it('carries writes both ways between two nodes, and a write made on the hub itself', async () => {
    const hub = await h.hub('hub');
    const a = await h.node('a', { peers: [h.peer(hub.url)] });
    const b = await h.node('b', { peers: [h.peer(hub.url)] });
    await Promise.all([a.syncNow(), b.syncNow()]);
    await a.collection('todos').put('from-a', 1);
    await arrives(b, 'from-a');
    await b.collection('todos').put('from-b', 2);
    await arrives(a, 'from-b');
    await hub.node.collection('todos').put('from-hub', 3);
    await Promise.all([arrives(a, 'from-hub'), arrives(b, 'from-hub')]);
  });

  it('relays through a chain of hubs: a client of one edge hub sees a write made at another', async () => {
    const core = await h.hub('core', { auth: { token: 't', relays: ['edge-1', 'edge-2'] } });
    const edge1 = await h.hub('edge-1', { peers: [h.peer(core.url, 't')] });
    const edge2 = await h.hub('edge-2', { peers: [h.peer(core.url, 't')] });
    const left = await h.node('left', { peers: [h.peer(edge1.url)] });
    const right = await h.node('right', { peers: [h.peer(edge2.url)] });
    await Promise.all([edge1.node.syncNow(), edge2.node.syncNow(), left.syncNow(), right.syncNow()]);
    await left.collection('todos').put('across', { ok: true });
    await arrives(right, 'across');
  });
});
