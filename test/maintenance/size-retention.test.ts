import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetId } from '../../src/core/dataset-id.ts';
import { resolveDatasetOptions, type DatasetKind } from '../../src/core/dataset-options.ts';
import { compareHlc } from '../../src/core/hlc.ts';
import { entryByteSize, type OplogEntry } from '../../src/core/oplog-entry.ts';
import { makeChain } from '../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import { MAX_LOGIC } from '../../src/sync/hlc-bounds.ts';
import { registerPeer, runMaintenance } from '../../src/sync/maintenance.ts';
import { oplogBytesAfter } from '../../src/sync/oplog-size.ts';
import { allEntries, bytesOf, hashes, seed, storageCases } from './fixtures.ts';

const end = (wall: number) => ({ wall, logic: MAX_LOGIC, nodeId: '~' });
const hashesOf = (entries: readonly OplogEntry[]) => entries.map((e) => e.hash);

/** Long age retention: only the size cap prunes, unless a test says otherwise. */
function opts(datasetId: DatasetId, kind: DatasetKind, maxBytes: number, maxAgeMs = 1_000_000) {
  return resolveDatasetOptions(datasetId, { kind, retention: { maxAgeMs, maxBytes } });
}

/** The oracle: drop the oldest entries (HLC order) until the rest fits. */
function keptUnderCap(entries: readonly OplogEntry[], cap: number): OplogEntry[] {
  const sorted = [...entries].sort((a, b) => compareHlc(a.hlc, b.hlc));
  let total = bytesOf(sorted);
  while (total > cap) total -= entryByteSize(sorted.shift()!);
  return sorted;
}

describe.each(storageCases)('size retention on $name', ({ make }) => {
  let storage!: StorageAdapter;
  const opened: StorageAdapter[] = [];
  const open = (): StorageAdapter => {
    storage = make();
    opened.push(storage);
    return storage;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  const logs = makeChain('alice', 10, { datasetId: 'logs', startWall: 1_000 });
  const docs = makeChain('alice', 10, { startWall: 1_000 });
  const size = entryByteSize(logs[0]!);
  const confirm = (ds: DatasetId, peer: string, e: OplogEntry) => storage.open(ds).confirmations.confirm(peer, e.hlc.nodeId, e.hlc, e.hash);

  it('every entry in these chains has the same estimated size', () => {
    expect(logs.map(entryByteSize)).toEqual(Array(10).fill(size));
    expect(docs.map(entryByteSize)).toEqual(Array(10).fill(size));
  });

  it('append, no peers: prunes oldest-first until the estimate is at or under the cap', async () => {
    open();
    await seed(storage, logs);
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', 4 * size), storage: storage.open('logs'), now: 2_000 });
    expect(report.retentionCutoff).toEqual({ wall: 0, logic: 0, nodeId: '' }); // nothing is old enough
    expect(report.cutoff).toEqual(logs[5]!.hlc);
    expect(report.pruned).toBe(6);
    expect(report.size).toEqual({ maxBytes: 4 * size, bytesBefore: 10 * size, bytesAfter: 4 * size, wantedCutoff: logs[5]!.hlc, heldByConfirmations: false });
    expect(report.reason).toBe(
      `retention only (no active tracked peers): entries at or before 0:0:; size: ~${10 * size} B over the ${4 * size} B cap, pruning oldest entries through ${1_005}:0:alice leaves ~${4 * size} B`,
    );
    expect(await hashes(storage, 'logs')).toEqual(hashesOf(logs.slice(6)));
    expect((await oplogBytesAfter(storage.open('logs').oplog, null)).bytes).toBe(4 * size);

    // One byte under a multiple of the entry size costs one more entry.
    const tighter = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', 3 * size - 1), storage: storage.open('logs'), now: 2_000 });
    expect(tighter.pruned).toBe(2);
    expect(await hashes(storage, 'logs')).toEqual(hashesOf(logs.slice(8)));
  });

  it('orders by HLC across authors, matching a brute-force oracle', async () => {
    open();
    const bob = makeChain('bob', 7, { datasetId: 'logs', startWall: 1_002, keys: (i) => `bob-key-${i}`, values: (i) => ({ i, pad: 'x'.repeat(i * 3) }) });
    await seed(storage, logs);
    await seed(storage, bob);
    const cap = Math.floor(bytesOf([...logs, ...bob]) / 3);
    const expected = keptUnderCap([...logs, ...bob], cap);
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', cap), storage: storage.open('logs'), now: 2_000 });
    expect(report.pruned).toBe(17 - expected.length);
    expect(await hashes(storage, 'logs')).toEqual(hashesOf(expected));
    expect(report.size!.bytesAfter).toBe(bytesOf(expected));
    expect(report.size!.bytesAfter).toBeLessThanOrEqual(cap);
  });

  it('measures only what age retention leaves', async () => {
    open();
    await seed(storage, logs);
    // Age retention takes walls 1000..1003; the remaining 6 entries are then capped to 4.
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', 4 * size, 1_000), storage: storage.open('logs'), now: 2_003 });
    expect(report.size).toEqual({ maxBytes: 4 * size, bytesBefore: 6 * size, bytesAfter: 4 * size, wantedCutoff: logs[5]!.hlc, heldByConfirmations: false });
    expect(report.pruned).toBe(6);
  });

  it('under the cap nothing more is pruned', async () => {
    open();
    await seed(storage, logs);
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', 10 * size), storage: storage.open('logs'), now: 2_000 });
    expect(report.pruned).toBe(0);
    expect(report.size).toEqual({ maxBytes: 10 * size, bytesBefore: 10 * size, bytesAfter: 10 * size, wantedCutoff: null, heldByConfirmations: false });
    expect(report.reason).toContain(`size: ~${10 * size} B within the ${10 * size} B cap`);
  });

  it('append: the cap passes what peers confirmed', async () => {
    open();
    await seed(storage, logs);
    await registerPeer(storage.open('logs'), 'hub');
    await confirm('logs', 'hub', logs[1]!);
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', 4 * size), storage: storage.open('logs'), now: 2_000 });
    expect(report.confirmationCutoff).toEqual(end(1_001));
    expect(report.cutoff).toEqual(logs[5]!.hlc);
    expect(report.pruned).toBe(6);
    expect(report.reason).toContain('(append dataset: the cap overrides peer confirmations)');
  });

  it('append: the cap applies even in a cycle skipped for a missing watermark', async () => {
    open();
    await seed(storage, logs);
    await registerPeer(storage.open('logs'), 'hub');
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', 4 * size), storage: storage.open('logs'), now: 2_000 });
    expect(report.missingConfirmations).toEqual([{ peerId: 'hub', authorId: 'alice' }]);
    expect(report.cutoff).toEqual(logs[5]!.hlc);
    expect(report.pruned).toBe(6);
    expect(report.reason).toMatch(/^skipped: .*; size: .*\(append dataset: the cap overrides peer confirmations\)$/);
  });

  it('documents: the cap never passes the confirmation cutoff, then follows confirmations', async () => {
    open();
    await seed(storage, docs);
    await registerPeer(storage.open('primary'), 'hub');
    await confirm('primary', 'hub', docs[1]!);
    const held = await runMaintenance({ datasetId: 'primary', options: opts('primary', 'documents', 4 * size), storage: storage.open('primary'), now: 2_000 });
    expect(held.confirmationCutoff).toEqual(end(1_001));
    expect(held.cutoff).toEqual(docs[1]!.hlc); // the newest entry the cap may take
    expect(held.pruned).toBe(2);
    expect(held.size).toEqual({ maxBytes: 4 * size, bytesBefore: 10 * size, bytesAfter: 8 * size, wantedCutoff: docs[5]!.hlc, heldByConfirmations: true });
    expect(held.reason).toContain(`a documents dataset never prunes entries its active peers have not confirmed: ~${8 * size} B remain`);
    expect(await hashes(storage, 'primary')).toEqual(hashesOf(docs.slice(2)));

    await confirm('primary', 'hub', docs[9]!);
    const caught = await runMaintenance({ datasetId: 'primary', options: opts('primary', 'documents', 4 * size), storage: storage.open('primary'), now: 2_000 });
    expect(caught.cutoff).toEqual(docs[5]!.hlc);
    expect(caught.pruned).toBe(4);
    expect(caught.size!.heldByConfirmations).toBe(false);
    expect(await hashes(storage, 'primary')).toEqual(hashesOf(docs.slice(6)));
  });

  it('documents: a missing watermark prunes nothing, however far over the cap', async () => {
    open();
    await seed(storage, docs);
    await registerPeer(storage.open('primary'), 'hub');
    const report = await runMaintenance({ datasetId: 'primary', options: opts('primary', 'documents', size), storage: storage.open('primary'), now: 2_000 });
    expect(report.cutoff).toBeNull();
    expect(report.pruned).toBe(0);
    expect(report.size).toEqual({ maxBytes: size, bytesBefore: 10 * size, bytesAfter: 10 * size, wantedCutoff: docs[8]!.hlc, heldByConfirmations: true });
    expect(await storage.open('primary').oplog.count()).toBe(10);
  });

  it('documents without tracked peers: the cap applies in full', async () => {
    open();
    await seed(storage, docs);
    const report = await runMaintenance({ datasetId: 'primary', options: opts('primary', 'documents', 4 * size), storage: storage.open('primary'), now: 2_000 });
    expect(report.cutoff).toEqual(docs[5]!.hlc);
    expect((await allEntries(storage, 'primary')).length).toBe(4);
  });

  it('estimates across pages of the oplog', async () => {
    open();
    const many = makeChain('alice', 2_500, { datasetId: 'logs', startWall: 1_000, values: () => ({ v: 1 }) });
    await seed(storage, many);
    expect(await oplogBytesAfter(storage.open('logs').oplog, null)).toEqual({ bytes: bytesOf(many), entries: 2_500 });
    const report = await runMaintenance({ datasetId: 'logs', options: opts('logs', 'append', bytesOf(many.slice(1_200))), storage: storage.open('logs'), now: 2_000 });
    expect(report.pruned).toBe(1_200);
    expect(report.cutoff).toEqual(many[1_199]!.hlc);
    expect(report.size!.bytesAfter).toBe(bytesOf(many.slice(1_200)));
  });
});
