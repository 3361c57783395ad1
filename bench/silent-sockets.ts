/*
 * silent-sockets: a real hub process (the package's CLI, default handshake timeout) against 2,000
 * WebSocket connections that never send a frame and 50 HTTP requests that never finish their
 * headers, while honest clients keep connecting and syncing. Prints when the hub closed each
 * hostile socket, against the handshake timeout (the baseline of this run), and the honest rounds.
 *
 *   npm run bench -- silent-sockets [--sockets 2000] [--half-http 50]
 *
 * The hub runs with --max-connections above the socket count: the cap is a separate defence, and
 * this measures the handshake deadline alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import { websocket } from '../adapters/transport/websocket/client.ts';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../src/runtime/acceptor.ts';
import { createNode } from '../src/runtime/create-node.ts';

const BIN = fileURLToPath(new URL('../bin/sluice.mjs', import.meta.url));
const TOKEN = 'bench-token';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { sockets: { type: 'string', default: '2000' }, 'half-http': { type: 'string', default: '50' } } });
  const socketCount = Number(values.sockets);
  const halfHttp = Number(values['half-http']);
  const data = mkdtempSync(join(tmpdir(), 'sluice-silent-'));
  const hub = spawn(process.execPath, [BIN, 'hub', '--port', '0', '--host', '127.0.0.1', '--data', data, '--token', TOKEN, '--stats', '0', '--max-connections', String(socketCount + halfHttp + 100), '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      hub.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (ws:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      hub.once('exit', (code) => reject(new Error(`hub exited with ${code}: ${out}`)));
    });
    const port = Number(new URL(url).port);

    const started = performance.now();
    const closedAfter: number[] = [];
    const codes = new Map<number, number>();
    const sockets: Promise<void>[] = [];
    for (let i = 0; i < socketCount; i++) {
      sockets.push(
        new Promise<void>((resolve) => {
          const ws = new WebSocket(url);
          ws.on('error', () => undefined);
          ws.once('close', (code) => {
            closedAfter.push(performance.now() - started);
            codes.set(code, (codes.get(code) ?? 0) + 1);
            resolve();
          });
        }),
      );
    }
    const halfOpen: Promise<number>[] = [];
    for (let i = 0; i < halfHttp; i++) {
      halfOpen.push(
        new Promise((resolve) => {
          const s: Socket = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'));
          s.on('error', () => undefined);
          s.once('close', () => resolve(performance.now() - started));
        }),
      );
    }

    // Honest clients connect and sync while the silent sockets wait out their deadline.
    let honestOk = 0;
    let honestFailed = 0;
    const honestUntil = started + DEFAULT_HANDSHAKE_TIMEOUT_MS;
    for (let i = 0; performance.now() < honestUntil; i++) {
      const node = await createNode({ nodeId: `honest-${i}`, storage: memoryStorage(), peers: [websocket(url, { token: TOKEN })], heartbeatMs: 0 });
      await node.collection('todos').put(`k${i}`, { i });
      const [report] = await node.syncNow();
      if (report!.peers[0]!.ok) honestOk++;
      else honestFailed++;
      await node.close();
    }

    await Promise.all(sockets);
    const httpClosedAfter = await Promise.all(halfOpen);
    const last = Math.max(...closedAfter);
    console.log(
      JSON.stringify({
        bench: 'silent-sockets',
        sockets: socketCount,
        closed: closedAfter.length,
        close_codes: Object.fromEntries(codes),
        handshake_timeout_ms: DEFAULT_HANDSHAKE_TIMEOUT_MS,
        last_closed_after_ms: Math.round(last),
        last_close_vs_timeout_ratio: Number((last / DEFAULT_HANDSHAKE_TIMEOUT_MS).toFixed(3)),
        half_http_requests: halfHttp,
        half_http_last_closed_after_ms: Math.round(Math.max(...httpClosedAfter)),
        honest_rounds_ok: honestOk,
        honest_rounds_failed: honestFailed,
        hub_alive: hub.exitCode === null,
      }),
    );
  } finally {
    hub.stdin!.end();
    await new Promise((resolve) => (hub.exitCode === null ? hub.once('exit', resolve) : resolve(undefined)));
    rmSync(data, { recursive: true, force: true });
  }
}
