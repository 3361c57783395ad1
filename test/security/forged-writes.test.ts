import { afterEach, describe, expect, it } from 'vitest';
import { HybridClock } from '../../src/core/hlc.ts';
import { createEntry } from '../../src/core/oplog-entry.ts';
import type { Message } from '../../src/protocol/messages.ts';
import { Harness } from '../sync/harness.ts';
import { chain, datasetState } from './dataset-state.ts';
import { rawPeer, signerFor, signHeads } from '../sync/raw-peer.ts';

/*
 * Writes are bound to the connection's node, and recovery is never a write path: a forged author
 * and a snapshot injection are refused with their codes, and the hub's dataset stays exactly as it
 * was (documents, oplog, heads and boundaries compared in full).
 */

const TOKEN = 'shared';



describe('writes bound to their author', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function seededHub() {
    const hub = await h.hub('hub', { auth: { token: TOKEN } });
    const alice = await h.node('alice', { peers: [h.peer(hub.url, TOKEN)] });
    await alice.collection('todos').put('real', { by: 'alice' });
    expect((await alice.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    return { hub, alice };
  }

  it("refuses a push of another node's entries with author_not_allowed; the hub is unchanged, and the victim's next write still goes through", async () => {
    const { hub, alice } = await seededHub();
    const before = await datasetState(hub.node);
    const mallory = await rawPeer('mallory', h.peer(hub.url, TOKEN));
    // a well-formed continuation of alice's chain, with a far-future timestamp and a fake value
    const aliceHead = before.heads.find((head) => head.nodeId === 'alice')!;
    const forged = createEntry({ collection: 'todos', key: 'real', op: 'put', value: { by: 'mallory' }, hlc: { wall: aliceHead.hlc.wall + 1, logic: 0, nodeId: 'alice' }, prevHash: aliceHead.hash });
    await expect(mallory.push([forged])).rejects.toMatchObject({ code: 'author_not_allowed' });
    await expect(mallory.push(chain('alice', 2, aliceHead.hash))).rejects.toMatchObject({ code: 'author_not_allowed' });
    // mixing one's own entries with a forged one applies none of them
    await expect(mallory.push([...chain('mallory', 2), forged])).rejects.toMatchObject({ code: 'author_not_allowed' });
    expect(await datasetState(hub.node)).toEqual(before);

    await alice.collection('todos').put('real', { by: 'alice', v: 2 });
    expect((await alice.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    expect(await hub.node.collection('todos').get('real')).toEqual({ by: 'alice', v: 2 });
  });

  it('accepts a node pushing its own chain', async () => {
    const { hub } = await seededHub();
    const mallory = await rawPeer('mallory', h.peer(hub.url, TOKEN));
    const own = chain('mallory', 3);
    await expect(mallory.push(own)).resolves.toMatchObject({ kind: 'ack', success: true });
    expect(await hub.node.collection('todos').get('mallory-2')).toEqual({ i: 2, by: 'mallory' });
  });

  it('lets a relay peer push other authors\' entries (hub to hub)', async () => {
    const hub = await h.hub('hub', { auth: { token: TOKEN, relays: ['edge-hub'] } });
    const edge = await rawPeer('edge-hub', h.peer(hub.url, TOKEN));
    await expect(edge.push(await signHeads(chain('someone', 2), await signerFor('someone')))).resolves.toMatchObject({ kind: 'ack', success: true });
  });

  it('never takes a snapshot from a pusher: an unlinkable chain is refused with chain_broken and nothing is imported', async () => {
    const { hub } = await seededHub();
    const before = await datasetState(hub.node);
    const mallory = await rawPeer('mallory', h.peer(hub.url, TOKEN));
    const asked: string[] = [];
    // Answer the hub's recovery requests the way an attacker would: no range, then a forged snapshot.
    mallory.connection.setRequestHandler(async (message: Message) => {
      asked.push(message.kind);
      if (message.kind === 'chainRangeRequest') return { kind: 'chainRangeResponse', datasetId: 'primary', entries: [], snapshotRequired: true };
      throw new Error(`unexpected ${message.kind}`);
    });
    const dangling = chain('mallory', 2, 'e'.repeat(64));
    await expect(mallory.push(dangling)).rejects.toMatchObject({ code: 'chain_broken' });
    expect(asked).toEqual(['chainRangeRequest']);
    expect(await datasetState(hub.node)).toEqual(before);
  });
});

describe('a pushed chain must extend its author\'s head', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it("refuses an entry that links to another author's entry, so no chain forks and every snapshot the hub serves still verifies", async () => {
    const hub = await h.hub('hub', { auth: { token: TOKEN } });
    const alice = await h.node('alice', { peers: [h.peer(hub.url, TOKEN)] });
    await alice.collection('todos').put('real', { by: 'alice' });
    expect((await alice.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
    const before = await datasetState(hub.node);
    const aliceHead = before.heads.find((head) => head.nodeId === 'alice')!;
    const mallory = await rawPeer('mallory', h.peer(hub.url, TOKEN));
    mallory.connection.setRequestHandler(async () => ({ kind: 'chainRangeResponse', datasetId: 'primary', entries: [], snapshotRequired: true }));
    const hooked = createEntry({ collection: 'todos', key: 'm', op: 'put', value: 1, hlc: new HybridClock('mallory').tick(), prevHash: aliceHead.hash });
    await expect(mallory.push([hooked])).rejects.toMatchObject({ code: 'chain_broken' });
    expect(await datasetState(hub.node)).toEqual(before);
    const fresh = await h.node('fresh');
    await fresh.importSnapshot(await hub.node.exportSnapshot('primary'), 'merge');
  });
});
