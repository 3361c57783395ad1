import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { HybridClock } from '../../src/core/hlc.ts';
import { createEntry, type OplogEntry } from '../../src/core/oplog-entry.ts';
import { ResolverRegistry } from '../../src/core/resolvers/registry.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import { DatasetReplica } from '../../src/sync/replica.ts';
import { Harness } from '../sync/harness.ts';
import { chain, datasetState } from './dataset-state.ts';
import { rawPeer, signerFor, signHeads } from '../sync/raw-peer.ts';

/*
 * Signed chain heads: each batch an author sends ends at an entry it signed with Ed25519, and the
 * hash chain covers the entries below it. A receiver applies nothing that does not end at a valid
 * signature by a key it accepts, and every refusal leaves it exactly as it was.
 */

const TOKEN = 'shared';



describe('pushes from a client', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('are refused with bad_signature when unsigned, signed with another key than the handshake\'s, or signed wrongly; the hub is unchanged', async () => {
    const hub = await h.hub('hub', { auth: { token: TOKEN } });
    const before = await datasetState(hub.node);
    const pat = await rawPeer('pat', h.peer(hub.url, TOKEN));
    const own = chain('pat', 3);
    const push = (entries: OplogEntry[]) => pat.connection.request({ kind: 'pushChangesRequest', datasetId: 'primary', entries });

    await expect(push(own)).rejects.toMatchObject({ code: 'bad_signature' });
    // a valid signature by pat's name, but not with the key pat's connection presented
    await expect(push(await signHeads(own, await signerFor('pat')))).rejects.toMatchObject({ code: 'bad_signature' });
    const signed = await signHeads(own, pat.replica.signer!);
    const last = signed[2]!;
    const flipped = `${last.signature!.slice(0, 100)}${last.signature![100] === '0' ? '1' : '0'}${last.signature!.slice(101)}`;
    await expect(push([signed[0]!, signed[1]!, { ...last, signature: flipped }])).rejects.toMatchObject({ code: 'bad_signature' });
    // a signature that belongs to another entry of the same chain
    await expect(push([signed[0]!, signed[1]!, { ...own[2]!, signature: (await signHeads(own.slice(0, 2), pat.replica.signer!))[1]!.signature! }])).rejects.toMatchObject({ code: 'bad_signature' });
    expect(await datasetState(hub.node)).toEqual(before);

    await expect(push(signed)).resolves.toMatchObject({ kind: 'ack', success: true });
    expect(await hub.node.collection('todos').get('pat-2')).toEqual({ i: 2, by: 'pat' });
  });

  it('keep only the signature the hub verified: the head of each pushed batch', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: TOKEN } });
    const pat = await rawPeer('pat', h.peer(hub.url, TOKEN));
    const own = chain('pat', 4);
    // an intermediate signature the hub does not check is not kept either
    const withExtra = [own[0]!, await pat.replica.signer!.sign(own[1]!), own[2]!, await pat.replica.signer!.sign(own[3]!)];
    await pat.connection.request({ kind: 'pushChangesRequest', datasetId: 'primary', entries: withExtra });
    const stored = (await hub.node.exportSnapshot('primary')).oplog.filter((e) => e.hlc.nodeId === 'pat');
    expect(stored.map((e) => e.signature !== undefined)).toEqual([false, false, false, true]);
  });
});

describe('relayed entries (hub to hub)', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('are accepted under the key a hub pinned for their author, and refused under any other', async () => {
    const hub = await h.hub('hub', { auth: { token: TOKEN, relays: ['edge-hub'] } });
    // alice authenticates at the hub once: her key is pinned there
    const alice = await h.node('alice', { peers: [h.peer(hub.url, TOKEN)] });
    await alice.collection('todos').put('a', 1);
    expect((await alice.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    const aliceHead = (await datasetState(hub.node)).heads.find((x) => x.nodeId === 'alice')!;

    const edge = await rawPeer('edge-hub', h.peer(hub.url, TOKEN));
    const before = await datasetState(hub.node);
    const relay = (entries: OplogEntry[]) => edge.connection.request({ kind: 'pushChangesRequest', datasetId: 'primary', entries });
    // a well-formed continuation of alice's chain, signed by a key that is not hers, then unsigned
    const first = createEntry({ collection: 'todos', key: 'a', op: 'put', value: 'forged', hlc: { wall: aliceHead.hlc.wall + 1, logic: 0, nodeId: 'alice' }, prevHash: aliceHead.hash });
    const forgedChain = [first, createEntry({ collection: 'todos', key: 'b', op: 'put', value: 'forged', hlc: { wall: aliceHead.hlc.wall + 2, logic: 0, nodeId: 'alice' }, prevHash: first.hash })];
    await expect(relay(await signHeads(forgedChain, await signerFor('alice')))).rejects.toMatchObject({ code: 'bad_signature' });
    await expect(relay(forgedChain)).rejects.toMatchObject({ code: 'bad_signature' });
    expect(await datasetState(hub.node)).toEqual(before);

    // an author the hub has never seen: the relay's key is pinned on first use, and holds after
    const someone = await signerFor('someone');
    const opening = chain('someone', 2);
    await expect(relay(await signHeads(opening, someone))).resolves.toMatchObject({ success: true });
    const next = [createEntry({ collection: 'todos', key: 'someone-x', op: 'put', value: 1, hlc: { wall: opening[1]!.hlc.wall + 10, logic: 0, nodeId: 'someone' }, prevHash: opening[1]!.hash })];
    const afterFirst = await datasetState(hub.node);
    await expect(relay(await signHeads(next, await signerFor('someone')))).rejects.toMatchObject({ code: 'bad_signature' });
    expect(await datasetState(hub.node)).toEqual(afterFirst);
    await expect(relay(await signHeads(next, someone))).resolves.toMatchObject({ success: true });
  });
});

describe('a node reading from its hub', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function replica() {
    const r = new DatasetReplica({ datasetId: 'primary', storage: memoryStorage(), clock: new HybridClock('reader'), resolvers: new ResolverRegistry() });
    await r.open();
    return r;
  }

  it('refuses a batch whose last entry of an author is unsigned or signed wrongly, and stores nothing', async () => {
    const r = await replica();
    const someone = await signerFor('someone');
    const entries = chain('someone', 3);
    await expect(r.applyRemote(entries, { kind: 'vouched' })).rejects.toMatchObject({ code: 'bad_signature' });
    // signed in the middle only: the tail is not covered
    await expect(r.applyRemote([entries[0]!, await someone.sign(entries[1]!), entries[2]!], { kind: 'vouched' })).rejects.toMatchObject({ code: 'bad_signature' });
    const signed = await signHeads(entries, someone);
    await expect(r.applyRemote([...signed.slice(0, 2), { ...signed[2]!, signature: signed[2]!.signature!.slice(0, 64) + 'f'.repeat(128) }], { kind: 'vouched' })).rejects.toMatchObject({ code: 'bad_signature' });
    expect(await r.heads()).toEqual([]);
    await expect(r.applyRemote(signed, { kind: 'vouched' })).resolves.toMatchObject({ inserted: 3 });
  });

  it('syncs a long chain through a hub whose batches are smaller than the ones it was signed in', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage() });
    const writer = await h.node('writer', { storage: memoryStorage(), peers: [h.peer(hub.url)] });
    await writer.collection('todos').putMany(Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: { i } })));
    expect((await writer.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect((await hub.node.collection('todos').all()).length).toBe(600);
    const reader = await h.node('reader', { storage: memoryStorage(), peers: [h.peer(hub.url)], datasets: { primary: { maxEntriesPerCycle: 25 } } });
    expect((await reader.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect((await reader.collection('todos').all()).length).toBe(600);
    // the writer's own batches were signed at their ends, and only those signatures travel on
    const atHub = (await hub.node.exportSnapshot('primary')).oplog.filter((e) => e.signature !== undefined && e.hlc.nodeId === 'writer');
    expect(atHub.length).toBeGreaterThan(0);
    expect(atHub.length).toBeLessThan(600);
  });

  it('with signing off on every node, unsigned chains sync; a node that signs refuses them with bad_signature', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), signing: false });
    const writer = await h.node('writer', { storage: memoryStorage(), peers: [h.peer(hub.url)], signing: false });
    await writer.collection('todos').put('k', 1);
    expect((await writer.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(await hub.node.collection('todos').get('k')).toBe(1);
    const plain = await h.node('plain', { storage: memoryStorage(), peers: [h.peer(hub.url)], signing: false });
    expect((await plain.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(await plain.collection('todos').get('k')).toBe(1);
    const strict = await h.node('strict', { storage: memoryStorage(), peers: [h.peer(hub.url)] });
    expect((await strict.syncNow())[0]!.peers[0]).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await strict.collection('todos').get('k')).toBeUndefined();
  });
});

describe('the signing option', () => {
  it('is a boolean', async () => {
    await expect(createNode({ storage: memoryStorage(), signing: 'yes' as never })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'signing' } });
  });
});
