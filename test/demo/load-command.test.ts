import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import { BIN, Processes, terminate } from './process-helpers.ts';

describe('sluice load (CLI)', () => {
  const p = new Processes();
  const nodes: SyncNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.close().catch(() => undefined);
    await p.cleanup();
  });

  it('appends at the given rate, syncs everything to the hub and prints a JSON summary', async () => {
    const hub = await p.hub(p.dir());
    const load = p.start([BIN, 'load', '--hub', hub.url, '--dataset', 'logs', '--rate', '2000', '--duration', '2']);
    const { code } = await load.exited;
    expect(code, load.stderr()).toBe(0);

    const lines = load.stdout().trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as { sent: number; acked: number; dropped: number; rate: number; lag_p95_ms: number | null };
    expect(Object.keys(summary).sort()).toEqual(['acked', 'dropped', 'lag_p95_ms', 'rate', 'sent']);
    expect(summary.sent).toBeGreaterThan(2000);
    expect(summary.sent).toBeLessThanOrEqual(4100);
    expect(summary.acked).toBe(summary.sent);
    expect(summary.dropped).toBe(0);
    expect(summary.rate).toBeGreaterThan(1000);
    expect(summary.rate).toBeLessThan(3000);
    // Progress went to stderr, one line per second when it is not a terminal.
    expect(load.stderr()).toMatch(/rate \d+\/s\s+sent \d+\s+acked ~\d+\s+dropped 0/);

    // A fresh node pulls the hub's logs dataset: every record arrived, in order.
    const reader = await createNode({ storage: memoryStorage(), peers: [websocket(hub.url)], datasets: { logs: { kind: 'append', worker: false, direction: 'pull' } } });
    nodes.push(reader);
    const [report] = await reader.syncNow('logs');
    expect(report!.peers[0]).toMatchObject({ ok: true });
    const records: { seq: number; src: string }[] = [];
    for (let after = null as Parameters<ReturnType<SyncNode['dataset']>['records']>[0]; ; ) {
      const page = await reader.dataset('logs').records(after, 1000);
      records.push(...(page.records as { seq: number; src: string }[]));
      if (page.next === null) break;
      after = page.next;
    }
    expect(records).toHaveLength(summary.sent);
    expect(records.every((r) => r.src === 'sluice-load')).toBe(true);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: summary.sent }, (_, i) => i));

    expect((await terminate(hub)).code).toBe(0);
  }, 60_000);

  it.each([
    [['--rate', '100'], '--hub <ws://host:port> is required'],
    [['--hub', 'http://127.0.0.1:1', '--rate', '100'], '--hub must be a ws:// or wss:// URL'],
    [['--hub', 'ws://127.0.0.1:1', '--rate', 'fast'], '--rate must be records per second'],
    [['--hub', 'ws://127.0.0.1:1', '--duration=0'], '--duration must be seconds'],
    [['--hub', 'ws://127.0.0.1:1', '--policy', 'yolo'], '--policy must be one of block, drop-oldest, drop-newest, spill'],
    [['--hub', 'ws://127.0.0.1:1', '--dataset', 'primary'], '--dataset primary is a documents dataset'],
    [['--hub', 'ws://127.0.0.1:1', '--bogus'], 'unknown option --bogus'],
    [['--hub', 'ws://127.0.0.1:1', '--rate', '12abc'], '--rate must be records per second'],
  ])('rejects bad arguments %j with a message, the usage hint and exit code 2', async (args, message) => {
    const c = p.start([BIN, 'load', ...args]);
    const { code } = await c.exited;
    expect(code).toBe(2);
    expect(c.stderr()).toContain(`sluice load: ${message}`);
    expect(c.stderr()).toContain('Usage: sluice load [options] (run "sluice load --help" for the options)');
    expect(c.stdout()).toBe('');
  });

  it('prints its own usage for --help', async () => {
    const c = p.start([BIN, 'load', '--help']);
    expect((await c.exited).code).toBe(0);
    expect(c.stdout()).toMatch(/^Usage: sluice load \[options\]/);
    expect(c.stdout()).toContain('--rate <n>');
  });

  it('lists the load command in the usage text', async () => {
    const c = p.start([BIN, 'help']);
    expect((await c.exited).code).toBe(0);
    expect(c.stdout()).toContain('load  Append records');
  });
});
