/*
 * idle-connections: what idle clients cost a hub. A real `sluice hub` process holds N connections
 * that handshake, then behave as an idle sluice client does with default options: one ping every
 * heartbeat interval (15 s), nothing else. The hub's CPU time (user + system, from /proc) is read
 * over a window of whole heartbeat periods. The baseline, in the same run: a bare `ws` server
 * process holding the same N connections and echoing the same pings, the least any WebSocket server
 * can do per ping. Half the connections ask for `primary`, half for `logs`, which a hub serves from
 * a worker (as a browser tab opens both).
 *
 *   npm run bench -- idle-connections [--connections 10000] [--periods 2]
 *
 * One process may hold at most `ulimit -n` sockets (20,000 here), so 50,000 connections are
 * extrapolated from N: CPU grows linearly with connections when nothing else happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { encodeFrame } from '../src/protocol/wire-codec.ts';
import { DEFAULT_HEARTBEAT_MS } from '../src/sync/connection.ts';
import { startHub, stopHub } from './support/hub-process.ts';

const TICKS_PER_S = 100; // Linux USER_HZ: /proc reports CPU time in these.
const TARGET = 50_000;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { connections: { type: 'string', default: '10000' }, periods: { type: 'string', default: '2' } } });
  const n = Number(values.connections);
  const windowMs = Number(values.periods) * DEFAULT_HEARTBEAT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-idle-'));
  try {
    const hub = await startHub(dir, 'primary,logs', ['--max-connections', String(n + 100)]);
    let hubCpu: number;
    try {
      hubCpu = await measure(hub.child, hub.url, n, windowMs, true);
    } finally {
      await stopHub(hub.child);
    }
    const bare = await startBareServer();
    let bareCpu: number;
    try {
      bareCpu = await measure(bare.child, bare.url, n, windowMs, false);
    } finally {
      bare.child.kill('SIGTERM');
    }
    const line = (server: string, cpu: number) => ({ server, connections: n, cpu_pct_of_core: round(cpu * 100), per_connection_us_per_s: round((cpu * 1e6) / n), at_50k_pct_of_core: round((cpu * 100 * TARGET) / n) });
    console.log(JSON.stringify({ bench: 'idle-connections', heartbeat_ms: DEFAULT_HEARTBEAT_MS, window_s: windowMs / 1000, ...line('sluice hub', hubCpu) }));
    console.log(JSON.stringify({ bench: 'idle-connections', ...line('bare ws echo', bareCpu) }));
    console.log(JSON.stringify({ bench: 'idle-connections', hub_vs_bare: round(hubCpu / bareCpu) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens n idle clients, then returns the server's CPU use (cores) over windowMs. */
async function measure(server: ChildProcess, url: string, n: number, windowMs: number, handshake: boolean): Promise<number> {
  const sockets: WebSocket[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  try {
    for (let i = 0; i < n; i += 250) {
      await Promise.all(
        Array.from({ length: Math.min(250, n - i) }, async (_, j) => {
          const socket = await openClient(url, i + j, handshake);
          sockets.push(socket);
          // From its handshake on, each client pings once per interval, as a sluice dialer does.
          const ping = encodeFrame({ kind: 'ping', nonce: i + j }, 2);
          timers.push(setInterval(() => socket.send(ping), DEFAULT_HEARTBEAT_MS));
        }),
      );
    }
    // Let every client reach its steady rhythm before the window opens.
    await sleep(DEFAULT_HEARTBEAT_MS + 1_000);
    const closedEarly = sockets.filter((s) => s.readyState !== WebSocket.OPEN).length;
    if (closedEarly > 0) throw new Error(`${closedEarly} of ${n} connections closed before the window`);
    const before = cpuTicks(server.pid!);
    await sleep(windowMs);
    const used = (cpuTicks(server.pid!) - before) / TICKS_PER_S;
    const closed = sockets.filter((s) => s.readyState !== WebSocket.OPEN).length;
    if (closed > 0) throw new Error(`${closed} of ${n} connections closed during the window`);
    return used / (windowMs / 1000);
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.terminate();
  }
}

function openClient(url: string, i: number, handshake: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('error', reject);
    socket.once('open', () => {
      if (!handshake) return resolve(socket);
      const datasetId = i % 2 === 0 ? 'primary' : 'logs';
      socket.send(encodeFrame({ kind: 'handshakeRequest', nodeId: `idle-${i}`, authToken: '', compression: [], collections: [], datasetId, extraDatasetIds: [], protocolVersion: 1, publicKey: '', pushOnly: datasetId === 'logs', noticeCredits: 32 }, 1));
      socket.once('message', () => resolve(socket));
    });
  });
}

/** A `ws` server in its own process that echoes every binary message: the floor for a ping. */
function startBareServer(): Promise<{ child: ChildProcess; url: string }> {
  const script = `const { WebSocketServer } = require('ws'); const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('connection', (s) => s.on('message', (m) => s.send(m)));
wss.on('listening', () => console.log('listening on ws://127.0.0.1:' + wss.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      const m = /listening on (ws:\/\/\S+)/.exec(c.toString());
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
}

/** User + system CPU ticks of every thread of a process. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
