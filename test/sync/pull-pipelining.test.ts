import { afterEach, describe, expect, it } from 'vitest';
import { FrameCodec } from '../../src/protocol/frame-codec.ts';
import { Harness } from './harness.ts';
import { observeConnector } from './tap.ts';

type Seen = { out: boolean; bytes: Uint8Array } | { applied: number };

describe('pulling a long chain', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('asks for the next page while the current one is applied, and still lands every entry once', async () => {
    const hub = await h.hub('hub');
    const todos = hub.node.collection('todos');
    for (let start = 0; start < 6_000; start += 2_000) {
      await todos.putMany(Array.from({ length: 2_000 }, (_, j) => ({ key: `k${start + j}`, value: { i: start + j } })));
    }
    // One timeline: frames as they pass, and each page's change event once it was applied.
    const seen: Seen[] = [];
    // Copies: a socket library may reuse the buffers it hands over.
    const connector = observeConnector(h.peer(hub.url), {
      sent: (frame) => seen.push({ out: true, bytes: frame.slice() }),
      received: (frame) => seen.push({ out: false, bytes: frame.slice() }),
    });
    // Default options: pages of 1,000 entries.
    const late = await h.node('late', { peers: [connector] });
    late.collection('todos').subscribe((changes) => seen.push({ applied: changes.length }));
    expect((await late.syncNow())[0]!.peers[0]).toMatchObject({ ok: true, pulled: 6_000 });
    expect((await late.metrics()).primary!.oplogEntries).toBe(6_000);
    expect(await late.collection('todos').get('k5999')).toEqual({ i: 5_999 });

    // Read the timeline as pages: after each page arrived, did the request for the next one leave
    // before that page was applied (pipelined), or only after (one page at a time)?
    const codec = new FrameCodec({ codec: 'deflate-raw', maxFrameBytes: 1 << 30 });
    const timeline: string[] = [];
    for (const s of seen) {
      if ('applied' in s) timeline.push(`applied ${s.applied}`);
      else {
        const { message } = await codec.decode(s.bytes);
        if (s.out && message.kind === 'pullChangesRequest') timeline.push('pull');
        if (!s.out && message.kind === 'changeSet') timeline.push(`page ${message.entries.length}`);
      }
    }
    const pages = timeline.flatMap((t, i) => (t.startsWith('page ') && t !== 'page 0' ? [i] : []));
    expect(pages).toHaveLength(6);
    for (const at of pages.slice(0, -1)) expect(timeline.slice(at + 1, at + 3)).toEqual(['pull', 'applied 1000']);
    // The last page says there is no more: nothing is asked after it.
    expect(timeline.slice(pages.at(-1)! + 1)).toEqual(['applied 1000']);
  });
});
