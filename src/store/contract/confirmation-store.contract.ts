import { expect, it } from 'vitest';
import { hlc } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

export function confirmationStoreContract(ctx: SuiteContext): void {
  it('registers peers idempotently and lists them', async () => {
    const { confirmations } = ctx.adapter();
    await confirmations.registerPeer('primary', 'hub-1', { address: 'ws://127.0.0.1:8787' });
    await confirmations.registerPeer('primary', 'hub-1');
    await confirmations.registerPeer('primary', 'edge-2');
    const peers = await confirmations.listPeers('primary');
    expect(peers.map((p) => [p.peerId, p.address, p.active])).toEqual([
      ['edge-2', null, true],
      ['hub-1', 'ws://127.0.0.1:8787', true],
    ]);
  });

  it('advances watermarks per (peer, author) and never moves them back', async () => {
    const { confirmations } = ctx.adapter();
    await confirmations.registerPeer('primary', 'hub');
    expect(await confirmations.confirm('primary', 'hub', 'alice', hlc(10, 'alice'), 'a'.repeat(64))).toBe(true);
    expect(await confirmations.confirm('primary', 'hub', 'alice', hlc(5, 'alice'), 'b'.repeat(64))).toBe(false);
    expect(await confirmations.confirm('primary', 'hub', 'bob', hlc(7, 'bob'), 'c'.repeat(64))).toBe(true);
    const rows = await confirmations.confirmations('primary', 'hub');
    expect(rows.map((c) => [c.authorId, c.hlc.wall, c.hash[0]])).toEqual([
      ['alice', 10, 'a'],
      ['bob', 7, 'c'],
    ]);
  });

  it('deactivates and removes peers; removal drops their watermarks', async () => {
    const { confirmations } = ctx.adapter();
    await confirmations.registerPeer('primary', 'hub');
    await confirmations.registerPeer('primary', 'old');
    await confirmations.confirm('primary', 'old', 'alice', hlc(1, 'alice'), 'a'.repeat(64));
    await confirmations.setPeerActive('primary', 'hub', false);
    expect((await confirmations.listPeers('primary')).find((p) => p.peerId === 'hub')?.active).toBe(false);
    await confirmations.registerPeer('primary', 'hub');
    expect((await confirmations.listPeers('primary')).find((p) => p.peerId === 'hub')?.active).toBe(false);
    expect(await confirmations.removePeer('primary', 'old')).toBe(true);
    expect(await confirmations.removePeer('primary', 'old')).toBe(false);
    expect(await confirmations.confirmations('primary', 'old')).toEqual([]);
    expect((await confirmations.listPeers('primary')).map((p) => p.peerId)).toEqual(['hub']);
  });
}
