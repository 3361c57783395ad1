import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Child processes for the demo and CLI tests. Everything started here is killed by cleanup(),
 * which the tests call from afterEach, so a failing test leaves nothing running.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin/sluice.mjs');

export interface Child {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export class Processes {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs: string[] = [];

  dir(prefix = 'sluice-demo-test-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  start(args: string[], options: SpawnOptions = {}): Child {
    return this.run(process.execPath, args, options);
  }

  /** Like start(), for any executable (deno, bun, npx ...). */
  run(command: string, args: string[], options: SpawnOptions = {}): Child {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    let out = '';
    let err = '';
    const waiters = new Set<() => void>();
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      for (const w of waiters) w();
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        this.children.delete(child);
        resolve({ code, signal });
        for (const w of waiters) w();
      }),
    );
    return {
      child,
      stdout: () => out,
      stderr: () => err,
      exited,
      waitFor(pattern, timeoutMs) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(out);
            if (match) return finish(() => resolve(match));
            if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`process exited before printing ${pattern}:\n${out}\n${err}`)));
          };
          const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\n${out}\n${err}`))), timeoutMs);
          const finish = (f: () => void) => {
            clearTimeout(timer);
            waiters.delete(check);
            f();
          };
          waiters.add(check);
          check();
        });
      },
    };
  }

  /** Starts `sluice hub` on a free port and resolves with its URL. */
  async hub(dataDir: string, extra: string[] = []): Promise<Child & { url: string }> {
    const c = this.start([BIN, 'hub', '--port', '0', '--data', dataDir, '--stats', '0', ...extra]);
    const [, url] = await c.waitFor(/listening on (ws:\/\/\S+)/, 30_000);
    return Object.assign(c, { url: url! });
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((resolve) => c.once('exit', resolve));
        // Politely first, so a launcher can stop what it started; then for good.
        c.kill('SIGTERM');
        const stopped = await Promise.race([gone.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
        if (!stopped) {
          c.kill('SIGKILL');
          await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
        }
      }
    }
    this.children.clear();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** SIGTERM, then the exit status (bounded). */
export async function terminate(c: Child, timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  c.child.kill('SIGTERM');
  return Promise.race([c.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms after SIGTERM`)), timeoutMs))]);
}
