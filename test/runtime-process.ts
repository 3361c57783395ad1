import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/*
 * Starts Deno and Bun as real child processes for the tests that check sluice on those runtimes
 * (vitest itself runs on Node). Binaries: DENO_BIN / BUN_BIN, else the `deno` and `bun` npm
 * devDependencies in node_modules/.bin. Every process started here is killed by stopAll(), which
 * the tests call from afterEach, so a failing test leaves nothing running.
 */

export type Runtime = 'deno' | 'bun';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export function repoPath(relative: string): string {
  return join(REPO_ROOT, relative);
}

export function runtimeBin(runtime: Runtime): string {
  const override = runtime === 'deno' ? process.env.DENO_BIN : process.env.BUN_BIN;
  return override || join(REPO_ROOT, 'node_modules', '.bin', runtime);
}

export interface RuntimeOptions {
  /** Deno only: an import map (see importMapFile). */
  readonly importMap?: string;
  /** Deno only: environment and system info, which the postgres client reads (PG* variables, the host name). */
  readonly allowEnv?: boolean;
}

/**
 * Deno gets the permissions the fixtures need and nothing more (network on loopback only), never
 * prompts, uses the existing node_modules as is (`--node-modules-dir=manual`: the sources import
 * npm packages such as @noble/hashes) and writes no lockfile into the checkout.
 */
export function runtimeArgs(runtime: Runtime, script: string, args: readonly string[], options: RuntimeOptions = {}): string[] {
  // sluice-source: the package's `#sluice/...` imports resolve to the TypeScript sources, as under vitest.
  if (runtime === 'bun') return ['--conditions=sluice-source', script, ...args];
  return [
    'run',
    '--conditions=sluice-source',
    '--allow-net=127.0.0.1',
    '--allow-read',
    '--allow-write',
    ...(options.allowEnv ? ['--allow-env', '--allow-sys'] : []),
    '--no-prompt',
    '--node-modules-dir=manual',
    '--no-lock',
    ...(options.importMap ? [`--import-map=${options.importMap}`] : []),
    script,
    ...args,
  ];
}

/** Writes a Deno import map mapping bare specifiers to repository files; returns its path. */
export function importMapFile(dir: string, imports: Record<string, string>): string {
  const file = join(dir, 'import-map.json');
  const mapped = Object.fromEntries(Object.entries(imports).map(([specifier, relative]) => [specifier, pathToFileURL(repoPath(relative)).href]));
  writeFileSync(file, JSON.stringify({ imports: mapped }));
  return file;
}

export interface Started {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  stdout(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export class RuntimeProcesses {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs: string[] = [];

  dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'sluice-runtime-'));
    this.dirs.push(d);
    return d;
  }

  /** Starts `script` (repository-relative) on `runtime`. stdin stays open: fixtures stop when it ends. */
  start(runtime: Runtime, script: string, args: readonly string[], options: RuntimeOptions = {}): Started {
    const child = spawn(runtimeBin(runtime), runtimeArgs(runtime, repoPath(script), args, options), {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    this.children.add(child);
    let out = '';
    let all = '';
    const listeners = new Set<() => void>();
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      all += chunk.toString();
      for (const l of listeners) l();
    });
    child.stderr!.on('data', (chunk: Buffer) => (all += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (error) => {
        all += `\nspawn failed: ${error.message}`;
        resolve({ code: null, signal: null });
      });
      // 'close', not 'exit': by then stdout has been read to the end.
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    let done = false;
    void exited.then(() => {
      done = true;
      this.children.delete(child);
      for (const l of listeners) l();
    });
    return {
      child,
      output: () => all,
      stdout: () => out,
      exited,
      waitFor: (pattern, timeoutMs) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(out);
            if (match) {
              cleanup();
              resolve(match);
            } else if (done) {
              cleanup();
              reject(new Error(`${runtime} ${script} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${all}`));
            }
          };
          const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`${runtime} ${script} printed no ${pattern} within ${timeoutMs} ms:\n${all}`));
          }, timeoutMs);
          const cleanup = () => {
            clearTimeout(timer);
            listeners.delete(check);
          };
          listeners.add(check);
          check();
        }),
    };
  }

  /** Runs `script` to completion (killed after timeoutMs) and returns its exit code and output. */
  async run(runtime: Runtime, script: string, args: readonly string[], timeoutMs: number, options: RuntimeOptions = {}): Promise<{ code: number | null; stdout: string; output: string }> {
    const started = this.start(runtime, script, args, options);
    started.child.stdin!.end();
    const timer = setTimeout(() => started.child.kill('SIGKILL'), timeoutMs);
    const { code } = await started.exited;
    clearTimeout(timer);
    return { code, stdout: started.stdout(), output: started.output() };
  }

  /** SIGTERM and wait for the exit code (SIGKILL after graceMs). */
  async stop(started: Started, graceMs = 10_000): Promise<number | null> {
    if (started.child.exitCode !== null || started.child.signalCode !== null) return started.child.exitCode;
    started.child.kill('SIGTERM');
    const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
    const { code } = await started.exited;
    clearTimeout(timer);
    return code;
  }

  /** Kills every process still running and removes the scratch directories. */
  async stopAll(): Promise<void> {
    const running = [...this.children];
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(running.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('close', resolve)))));
    this.children.clear();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
