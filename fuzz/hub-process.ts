import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settlesWithin } from '../adapters/transport/websocket/listen-options.ts';
import type { HubExit, HubInfo, HubUnderTest } from './hub-under-test.ts';
import { nodeHubLayout, type StorageLayout } from './storage-layout.ts';

/*
 * The hub under test is a real `sluice hub` process started from the package's CLI (which runs the
 * built dist/), exactly as an operator starts it. A crash there is a crash an operator would see,
 * and the fuzzer's own process (honest clients, attackers, SQLite reader) cannot hide it.
 */

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_HUB_BIN = fileURLToPath(new URL('../bin/sluice.mjs', import.meta.url));

export interface HubOptions {
  /** The CLI entry to run (default: this repository's bin/sluice.mjs). */
  readonly bin?: string;
  readonly dataDir: string;
  readonly token: string;
  /** 0 picks a free port; a restart passes the previous port so honest clients keep their URL. */
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

export type { HubExit } from './hub-under-test.ts';

const TAIL_CHARS = 4_000;

export class HubProcess implements HubUnderTest {
  readonly kind = 'node';
  private exitInfo: HubExit | undefined;
  private readonly exitListeners = new Set<(exit: HubExit) => void>();
  readonly exited: Promise<HubExit>;
  /** Its data directory; the directory above it must stay empty but for it (path tricks). */
  readonly storage: StorageLayout;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly port: number,
    private readonly output: { stdout: string; stderr: string },
    private readonly options: HubOptions,
  ) {
    this.storage = nodeHubLayout(options.dataDir, dirname(options.dataDir));
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal, stderrTail: tail(output.stderr), stdoutTail: tail(output.stdout), at: Date.now() };
        for (const l of this.exitListeners) l(this.exitInfo);
        resolve(this.exitInfo);
      };
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once('exit', done);
    });
  }

  /** Starts `sluice hub` and resolves once it prints its `listening on ws://...` line. */
  static start(options: HubOptions): Promise<HubProcess> {
    const bin = options.bin ?? DEFAULT_HUB_BIN;
    const args = [bin, 'hub', '--port', String(options.port ?? 0), '--host', '127.0.0.1', '--data', options.dataDir, '--token', options.token, '--stats', '0', '--exit-with-stdin'];
    // stdin stays a pipe we hold: with --exit-with-stdin the hub stops when we go away, even if we are killed.
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (output.stderr = keep(output.stderr + chunk)));
    // A dead hub makes writes to its stdin fail asynchronously; that is reported through 'exit'.
    child.stdin!.on('error', () => undefined);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(`hub did not print its URL within ${timeoutMs} ms`), timeoutMs);
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(new Error(`${why}\n--- hub stdout ---\n${tail(output.stdout)}\n--- hub stderr ---\n${tail(output.stderr)}`));
      };
      child.once('error', (error) => fail(`could not start the hub: ${error.message}`));
      child.once('exit', (code, signal) => fail(`hub exited (code ${code}, signal ${signal}) before listening`));
      child.stdout!.on('data', (chunk: string) => {
        output.stdout = keep(output.stdout + chunk);
        if (settled) return;
        const match = /listening on (ws:\/\/\S+)/.exec(output.stdout);
        if (!match) return;
        settled = true;
        clearTimeout(timer);
        const url = match[1]!;
        resolve(new HubProcess(child, url, Number(new URL(url).port), output, options));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  describe(): HubInfo {
    return { kind: 'node', url: this.url, pid: this.pid, bin: this.options.bin ?? DEFAULT_HUB_BIN };
  }

  /** The same CLI on the same port and data directory: its files carry on where they were. */
  restart(): Promise<HubProcess> {
    return HubProcess.start({ ...this.options, port: this.port });
  }

  get alive(): boolean {
    return this.exitInfo === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exit(): HubExit | undefined {
    return this.exitInfo;
  }

  onExit(listener: (exit: HubExit) => void): () => void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Stops the hub the way its launcher would (stdin closes), then by signal if it lingers. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.stdin?.end();
    if (await settlesWithin(this.exited, timeoutMs)) return;
    this.child.kill('SIGTERM');
    if (await settlesWithin(this.exited, 5_000)) return;
    this.child.kill('SIGKILL');
    await settlesWithin(this.exited, 5_000);
  }
}

function keep(text: string): string {
  return text.length > 4 * TAIL_CHARS ? text.slice(-2 * TAIL_CHARS) : text;
}

function tail(text: string): string {
  return text.length > TAIL_CHARS ? `…${text.slice(-TAIL_CHARS)}` : text;
}

