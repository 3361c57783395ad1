import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * A real `sluice hub` process, as a deployment runs it: the benches that measure a client against a
 * hub start it from the package's own CLI (the built files), on a free loopback port.
 */
const BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

export interface HubProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

/**
 * Starts a hub under `dataDir` serving `datasets` (comma-separated), once it listens: on SQLite
 * there, or with `--postgres <url>` among `extraArgs` on that database. Port 0 picks a free one.
 */
export function startHub(dataDir: string, datasets: string, extraArgs: readonly string[] = [], port = 0): Promise<HubProcess> {
  const child = spawn(process.execPath, [BIN, 'hub', '--port', String(port), '--data', dataDir, '--datasets', datasets, '--stats', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
}

/** Stops the hub with SIGTERM (it closes its stores) and resolves once it exited. */
export function stopHub(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
