import { afterEach, describe, expect, it } from 'vitest';
import type { HeadsAdvanced, Message } from '../../src/protocol/messages.ts';
import { NOTICE_CREDITS } from '../../src/sync/dial.ts';
import { Harness } from './harness.ts';
import { rawPeer } from './raw-peer.ts';

/*
 * Credit-based flow control of live push. A peer's handshake gives a window of notices that may
 * carry entries; it returns credit as it handles them. A peer that returns none gets heads only
 * once the window is spent (and pulls at its own pace), so a slow reader is never sent entries
 * faster than it handles them.
 */
describe('live push flow control', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('carries entries to a peer only while it has credit, heads alone after, and entries again once it returns credit', async () => {
    const hub = await h.hub('hub');
    const writer = await h.node('writer', { peers: [h.peer(hub.url)] });
    await writer.syncNow();
    const slow = await rawPeer('slow-reader', h.peer(hub.url));
    expect(slow.connection.takesNoticeCredit).toBe(true);
    const notices: HeadsAdvanced[] = [];
    slow.connection.setNoticeHandler((m: Message) => {
      if (m.kind === 'headsAdvanced') notices.push(m);
    });

    const writes = NOTICE_CREDITS + 10;
    for (let i = 0; i < writes; i++) {
      await writer.collection('todos').put(`k${i}`, { i });
      // one commit, one notice: wait for it before the next write
      await expect.poll(() => notices.length, { timeout: 10_000 }).toBe(i + 1);
    }
    const carrying = notices.map((n) => n.entries.length > 0);
    expect(carrying.slice(0, NOTICE_CREDITS).every(Boolean)).toBe(true);
    expect(carrying.slice(NOTICE_CREDITS).some(Boolean)).toBe(false);
    // heads still say what advanced: the peer knows to pull
    expect(notices.at(-1)!.heads.some((head) => head.nodeId === 'writer')).toBe(true);

    await slow.connection.notify({ kind: 'noticeCredit', datasetId: 'primary', notices: 2 });
    for (let i = 0; i < 3; i++) {
      await writer.collection('todos').put(`after-credit-${i}`, { i });
      await expect.poll(() => notices.length, { timeout: 10_000 }).toBe(writes + i + 1);
    }
    expect(notices.slice(writes).map((n) => n.entries.length > 0)).toEqual([true, true, false]);
  });

  it('a node that handles its notices returns credit, so every notice keeps carrying its entries', async () => {
    const hub = await h.hub('hub');
    const writer = await h.node('writer', { peers: [h.peer(hub.url)] });
    const reader = await h.node('reader', { peers: [h.peer(hub.url)] });
    await Promise.all([writer.syncNow(), reader.syncNow()]);
    const writes = NOTICE_CREDITS * 3;
    for (let i = 0; i < writes; i++) {
      await writer.collection('todos').put(`k${i}`, { i });
      await expect.poll(async () => (await reader.collection('todos').get(`k${i}`)) !== undefined, { timeout: 10_000 }).toBe(true);
    }
    // Everything came inside notices: the hub served nothing by pull.
    expect((await reader.metrics()).primary!.entriesIn).toBe(writes);
    expect((await hub.node.metrics()).primary!.entriesOut).toBe(0);
  });
});
