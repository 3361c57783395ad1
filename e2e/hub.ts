import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './browser.ts';

/*
 * A real hub process (`sluice hub`, SQLite under a temporary data directory) on 127.0.0.1. Tests
 * kill every hub they start from afterEach/afterAll through `stopAllHubs()`.
 */

export interface HubProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  output(): string;
  /** SIGKILL: a crash, no clean shutdown. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
const dirs: string[] = [];

export function hubDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-hub-'));
  dirs.push(dir);
  return dir;
}

/** Starts `sluice hub` and resolves once it listens. `port` 0 picks a free port. */
export async function startHub(dataDir: string, port = 0, datasets = 'primary,logs'): Promise<HubProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/sluice.mjs'), 'hub', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--stats', '0', '--datasets', datasets], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  running.add(child);
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void exited.then(() => running.delete(child));
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const match = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`hub exited before listening (${child.exitCode ?? child.signalCode}):\n${out}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Kills every hub still running and removes their data directories. */
export async function stopAllHubs(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
