import { expect, it } from 'vitest';
import { byDataset, hlc } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

export function confirmationStoreContract(ctx: SuiteContext): void {
  it('registers peers idempotently and lists them', async () => {
    const { confirmations } = byDataset(ctx.adapter());
    await confirmations('primary').registerPeer('hub-1', { address: 'ws://127.0.0.1:8787' });
    await confirmations('primary').registerPeer('hub-1');
    await confirmations('primary').registerPeer('edge-2');
    const peers = await confirmations('primary').listPeers();
    expect(peers.map((p) => [p.peerId, p.address, p.active])).toEqual([
      ['edge-2', null, true],
      ['hub-1', 'ws://127.0.0.1:8787', true],
    ]);
  });

  it('advances watermarks per (peer, author) and never moves them back', async () => {
    const { confirmations } = byDataset(ctx.adapter());
    await confirmations('primary').registerPeer('hub');
    expect(await confirmations('primary').confirm('hub', 'alice', hlc(10, 'alice'), 'a'.repeat(64))).toBe(true);
    expect(await confirmations('primary').confirm('hub', 'alice', hlc(5, 'alice'), 'b'.repeat(64))).toBe(false);
    expect(await confirmations('primary').confirm('hub', 'bob', hlc(7, 'bob'), 'c'.repeat(64))).toBe(true);
    const rows = await confirmations('primary').confirmations('hub');
    expect(rows.map((c) => [c.authorId, c.hlc.wall, c.hash[0]])).toEqual([
      ['alice', 10, 'a'],
      ['bob', 7, 'c'],
    ]);
  });

  it('deactivates and removes peers; removal drops their watermarks', async () => {
    const { confirmations } = byDataset(ctx.adapter());
    await confirmations('primary').registerPeer('hub');
    await confirmations('primary').registerPeer('old');
    await confirmations('primary').confirm('old', 'alice', hlc(1, 'alice'), 'a'.repeat(64));
    await confirmations('primary').setPeerActive('hub', false);
    expect((await confirmations('primary').listPeers()).find((p) => p.peerId === 'hub')?.active).toBe(false);
    await confirmations('primary').registerPeer('hub');
    expect((await confirmations('primary').listPeers()).find((p) => p.peerId === 'hub')?.active).toBe(false);
    expect(await confirmations('primary').removePeer('old')).toBe(true);
    expect(await confirmations('primary').removePeer('old')).toBe(false);
    expect(await confirmations('primary').confirmations('old')).toEqual([]);
    expect((await confirmations('primary').listPeers()).map((p) => p.peerId)).toEqual(['hub']);
  });
}
