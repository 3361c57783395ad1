import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

const BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

/** Starts `sluice hub` and resolves with its URL once it prints it. */
function startHub(dataDir: string, port = 0, extra: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'hub', '--port', String(port), '--data', dataDir, '--token', 'sekret', '--stats', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (ws:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, output: () => output });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`hub exited early with ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('sluice hub (CLI)', () => {
  const h = new Harness();
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await h.close();
  });

  it('serves peers, shuts down cleanly on SIGTERM, and keeps everything across a restart', async () => {
    const dataDir = h.dir();
    const first = await startHub(dataDir);
    children.push(first.child);
    const client = await h.node('client', { peers: [h.peer(first.url, 'sekret')] });
    await client.collection('todos').putMany([{ key: 'a', value: { n: 1 } }, { key: 'b', value: { n: 2 } }]);
    expect((await client.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });

    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain('stopped cleanly');

    // Same data, same port: the client's next round reconnects and converges with what the hub kept.
    const port = Number(new URL(first.url).port);
    const second = await startHub(dataDir, port);
    children.push(second.child);
    await client.collection('todos').put('c', { n: 3 });
    const report = (await client.syncNow())[0]!.peers[0]!;
    expect(report).toMatchObject({ ok: true });

    const fresh = await h.node('fresh', { peers: [h.peer(second.url, 'sekret')] });
    await fresh.syncNow();
    expect(await fresh.collection('todos').all()).toEqual(await client.collection('todos').all());
    expect(await stop(second.child)).toBe(0);
  });

  it('--metrics-port serves the hub\'s own counts per dataset as JSON, to holders of the token only', async () => {
    const hub = await startHub(h.dir(), 0, ['--metrics-port', '0']);
    children.push(hub.child);
    await expect.poll(() => /metrics on (http:\/\/\S+)/.exec(hub.output())?.[1]).toBeDefined();
    const metricsUrl = /metrics on (http:\/\/\S+)/.exec(hub.output())![1]!;
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
    expect((await fetch(metricsUrl.replace('/metrics', '/other'), { headers: { authorization: 'Bearer sekret' } })).status).toBe(404);

    const client = await h.node('client', { peers: [h.peer(hub.url, 'sekret')], datasets: { primary: {}, logs: { kind: 'append' } } });
    client.dataset('logs').append(Array.from({ length: 1_234 }, (_, n) => ({ n })));
    await client.dataset('logs').flush();
    await client.syncNow('logs');
    const read = async () => (await (await fetch(metricsUrl, { headers: { authorization: 'Bearer sekret' } })).json()) as { connections: number; datasets: Record<string, { recordsStored: number; bytesIn: number; health: { status: string } }> };
    const body = await read();
    expect(Object.keys(body.datasets).sort()).toEqual(['logs', 'primary', 'timeseries']);
    expect(body.datasets.logs).toMatchObject({ recordsStored: 1_234, health: { status: expect.any(String) } });
    expect(body.datasets.logs!.bytesIn).toBeGreaterThan(0);
    expect(body.connections).toBeGreaterThan(0);
    expect(await stop(hub.child)).toBe(0);
  });

  it('rejects bad arguments with a message and the usage exit code 2', async () => {
    const child = spawn(process.execPath, [BIN, 'hub', '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--port must be a port number');
  });
});
