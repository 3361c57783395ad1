import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { HybridClock } from '../../src/core/hlc.ts';
import { createEntry, createEntryFromText, type OplogEntry } from '../../src/core/oplog-entry.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import { Harness } from '../sync/harness.ts';
import { datasetState } from './dataset-state.ts';
import { rawPeer } from '../sync/raw-peer.ts';

/*
 * Well-formed but hostile input, each refused with its code, leaving the receiver exactly as it
 * was: non-JSON append payloads, a different entry at a known (author, timestamp), and forged
 * snapshots.
 */

const TOKEN = 'shared';


function batch(author: string, clock: HybridClock, payloadText: string, prevHash = ''): OplogEntry {
  return createEntryFromText({ datasetId: 'logs', collection: 'records', key: `b-${clock.peek().wall}-${clock.peek().logic}`, payloadText, hlc: clock.tick(), prevHash });
}

describe('append payloads are records on every receive path', () => {
  const h = new Harness();
  afterEach(() => h.close());

  for (const worker of [false, true]) {
    it(`refuses non-JSON, non-array and non-object payloads with invalid_payload, and readers keep working (hub dataset worker: ${worker})`, async () => {
      const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: TOKEN }, datasets: { primary: {}, logs: { kind: 'append', worker } } });
      const client = await h.node('writer', { storage: memoryStorage(), peers: [h.peer(hub.url, TOKEN)], datasets: { primary: {}, logs: { kind: 'append', worker: false } } });
      client.dataset('logs').append({ level: 'info', msg: 'honest' });
      await client.dataset('logs').flush();
      expect((await client.syncNow('logs'))[0]!.peers[0]).toMatchObject({ ok: true });
      const before = await datasetState(hub.node, 'logs');

      const mallory = await rawPeer('mallory', h.peer(hub.url, TOKEN), 'logs');
      for (const payload of ['not json', '{"a":1}', '[1,2,3]', '[{"ok":true},null]', '[[{"nested":"array"}]]']) {
        const clock = new HybridClock('mallory');
        const entry = batch('mallory', clock, payload);
        await expect(mallory.push([entry])).rejects.toMatchObject({ code: 'invalid_payload' });
      }
      // a delete is no record batch either
      const del = createEntry({ datasetId: 'logs', collection: 'records', key: 'x', op: 'delete', hlc: new HybridClock('mallory').tick(), prevHash: '' });
      await expect(mallory.push([del])).rejects.toMatchObject({ code: 'invalid_payload' });

      expect(await datasetState(hub.node, 'logs')).toEqual(before);
      const page = await hub.node.dataset('logs').records();
      expect(page.records).toEqual([expect.objectContaining({ level: 'info', msg: 'honest' })]);
    });
  }
});

describe('a different entry at a known (author, timestamp)', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('is refused with timestamp_conflict and counted, instead of being acknowledged and dropped', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: TOKEN } });
    const peer = await rawPeer('pat', h.peer(hub.url, TOKEN));
    const clock = new HybridClock('pat');
    const first = createEntry({ collection: 'todos', key: 'a', op: 'put', value: { v: 1 }, hlc: clock.tick(), prevHash: '' });
    const second = createEntry({ collection: 'todos', key: 'b', op: 'put', value: { v: 2 }, hlc: clock.tick(), prevHash: first.hash });
    await expect(peer.push([first, second])).resolves.toMatchObject({ success: true });
    const before = await datasetState(hub.node);

    // same author, same timestamp as `first`, other content: a fork of pat's history
    const other = createEntry({ collection: 'todos', key: 'a', op: 'put', value: { v: 666 }, hlc: first.hlc, prevHash: '' });
    await expect(peer.push([other])).rejects.toMatchObject({ code: 'timestamp_conflict' });
    // re-sending what the hub already holds is still fine
    await expect(peer.push([first, second])).resolves.toMatchObject({ success: true });

    expect(await datasetState(hub.node)).toEqual(before);
    expect((await hub.node.metrics()).primary!.timestampConflicts).toBe(1);
  });
});

describe('snapshots are verified entry by entry before anything is imported', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function seeded() {
    const source = await h.node('source', { storage: memoryStorage() });
    await source.collection('todos').put('a', { v: 1 });
    await source.collection('todos').put('b', { v: 2 });
    const target = await h.node('victim', { storage: memoryStorage() });
    await target.collection('todos').put('mine', { v: 0 });
    return { snapshot: await source.exportSnapshot('primary'), target };
  }

  it('accepts an honest snapshot', async () => {
    const { snapshot, target } = await seeded();
    await target.importSnapshot(snapshot, 'merge');
    expect(await target.collection('todos').get('b')).toEqual({ v: 2 });
  });

  it('accepts a pruned snapshot merged over older history, and the merged node exports a snapshot that verifies', async () => {
    const source = await h.node('xavier', { storage: memoryStorage() });
    for (let i = 0; i < 7; i++) await source.collection('todos').put(`x${i}`, { i });
    const early = await source.exportSnapshot('primary');
    for (let i = 7; i < 10; i++) await source.collection('todos').put(`x${i}`, { i });
    const full = await source.exportSnapshot('primary');
    const x = full.oplog;
    // a node that holds x0..x6 (its head signed, as every exported head is)
    const edge = await h.node('edge', { storage: memoryStorage() });
    await edge.importSnapshot(early, 'merge');
    // an upstream snapshot pruned through x7
    const pruned = { ...full, oplog: x.slice(8), boundaries: [{ nodeId: 'xavier', hlc: x[7]!.hlc, hash: x[7]!.hash }] };
    await edge.importSnapshot(pruned, 'merge');
    const merged = await edge.exportSnapshot('primary');
    const fresh = await h.node('fresh', { storage: memoryStorage() });
    await fresh.importSnapshot(merged, 'merge');
    expect(await fresh.collection('todos').get('x9')).toEqual({ i: 9 });
  });

  it.each([
    ['a planted document under another node with a far-future timestamp', (s: Snapshot) => ({ ...s, documents: [...s.documents, { collection: 'todos', key: 'planted', value: { evil: true }, deleted: false, hlc: { wall: Date.parse('2036-01-01'), logic: 0, nodeId: 'victim' } }] }), 'clock_drift'],
    ['a planted document no entry backs', (s: Snapshot) => ({ ...s, documents: [...s.documents, { collection: 'todos', key: 'planted', value: { evil: true }, deleted: false, hlc: { ...s.oplog[0]!.hlc, logic: 77 } }] }), 'invalid_snapshot'],
    ['a fake head', (s: Snapshot) => ({ ...s, heads: s.heads.map((x) => ({ ...x, hash: 'f'.repeat(64) })) }), 'invalid_snapshot'],
    ['a tampered entry', (s: Snapshot) => ({ ...s, oplog: s.oplog.map((e, i) => (i === 0 ? { ...e, payload: '{"v":999}' } : e)) }), 'invalid_snapshot'],
    ['a broken chain', (s: Snapshot) => ({ ...s, oplog: s.oplog.slice(1) }), 'invalid_snapshot'],
    ['a document planted under another key with a real entry\'s timestamp', (s: Snapshot) => ({ ...s, documents: [...s.documents, { ...s.documents[0]!, key: 'other', value: 'forged' }] }), 'invalid_snapshot'],
    ['a forged value for a real document', (s: Snapshot) => ({ ...s, documents: s.documents.map((d, i) => (i === 0 ? { ...d, value: { v: 'forged' } } : d)) }), 'invalid_snapshot'],
    ['a boundary in the future', (s: Snapshot) => ({ ...s, boundaries: [{ nodeId: 'source', hlc: { wall: Date.now() + 115 * 86_400_000, logic: 0, nodeId: 'source' }, hash: 'a'.repeat(64) }] }), 'clock_drift'],
    ['a head without its signature', (s: Snapshot) => ({ ...s, oplog: s.oplog.map(({ signature: _s, ...e }) => e) }), 'bad_signature'],
    ['a head whose signature does not verify', (s: Snapshot) => ({ ...s, oplog: s.oplog.map((e) => (e.signature ? { ...e, signature: e.signature.slice(0, 64) + '0'.repeat(128) } : e)) }), 'bad_signature'],
    ['a head re-signed under another key', (s: Snapshot) => ({ ...s, oplog: s.oplog.map((e) => (e.signature ? { ...e, signature: '1'.repeat(64) + e.signature.slice(64) } : e)) }), 'bad_signature'],
    ['a boundary for an author without a head', (s: Snapshot) => ({ ...s, boundaries: [{ nodeId: 'ghost', hlc: { wall: 1, logic: 0, nodeId: 'ghost' }, hash: 'a'.repeat(64) }] }), 'invalid_snapshot'],
  ])('refuses %s, leaving the node unchanged', async (_name, forge, code) => {
    const { snapshot, target } = await seeded();
    const before = await datasetState(target);
    await expect(target.importSnapshot(forge(snapshot) as Snapshot, 'merge')).rejects.toMatchObject({ code });
    expect(await datasetState(target)).toEqual(before);
  });
});

type Snapshot = Awaited<ReturnType<SyncNode['exportSnapshot']>>;

describe('deeply nested remote payloads', () => {
  const h = new Harness();
  afterEach(() => h.close());

  const nested = (depth: number) => `${'['.repeat(depth - 1)}{"a":"[{\\\\\\"]"}${']'.repeat(depth - 1)}`;

  it('are refused with payload_too_deep before a resolver folds them, under json-merge as under last-write-wins', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: TOKEN }, resolvers: { merged: 'json-merge' } });
    const peer = await rawPeer('deep', h.peer(hub.url, TOKEN));
    const clock = new HybridClock('deep');
    let prev = '';
    const push = async (collection: string, payloadText: string) => {
      const entry = createEntryFromText({ collection, key: `k${clock.peek().logic}`, payloadText, hlc: clock.tick(), prevHash: prev });
      const reply = await peer.push([entry]);
      prev = entry.hash;
      return reply;
    };
    const before = await datasetState(hub.node);
    for (const collection of ['merged', 'plain']) {
      const entry = createEntryFromText({ collection, key: 'x', payloadText: nested(100_000), hlc: clock.tick(), prevHash: prev });
      await expect(peer.push([entry])).rejects.toMatchObject({ code: 'payload_too_deep' });
      const justOver = createEntryFromText({ collection, key: 'y', payloadText: nested(65), hlc: clock.tick(), prevHash: prev });
      await expect(peer.push([justOver])).rejects.toMatchObject({ code: 'payload_too_deep' });
    }
    expect(await datasetState(hub.node)).toEqual(before);
    // 64 levels, the local limit, is accepted from a peer too (brackets inside strings do not count)
    await expect(push('merged', nested(64))).resolves.toMatchObject({ success: true });
  });
});
