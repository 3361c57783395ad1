import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHub, stopHub, type HubProcess } from '../../bench/support/hub-process.ts';
import { freePort } from '../postgres/throwaway-cluster.ts';
import net from 'node:net';

/**
 * N `sluice hub --postgres` processes over one database, each on a fixed loopback port and with a
 * data directory of its own (where it keeps its node id), so that a killed hub comes back at the
 * same address and as the same node.
 */
export class HubCluster {
  private readonly hubs: (HubProcess | undefined)[] = [];
  private readonly ports: number[] = [];
  private readonly dirs: string[] = [];
  /** Per hub, its kills and restarts run one after the other: two kills may overlap in a schedule. */
  private readonly queues: Promise<void>[] = [];

  private constructor(
    private readonly postgresUrl: string,
    private readonly datasets: string,
  ) {}

  static async start(postgresUrl: string, count: number, datasets = 'primary'): Promise<HubCluster> {
    const cluster = new HubCluster(postgresUrl, datasets);
    for (let i = 0; i < count; i++) {
      cluster.ports.push(await stablePort());
      cluster.dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), `sluice-hub${i}-`)));
    }
    // Together, as a deployment's hubs would: schema creation must cope with the race.
    await Promise.all(cluster.ports.map((_, i) => cluster.restart(i)));
    return cluster;
  }

  get urls(): string[] {
    return this.ports.map((p) => `ws://127.0.0.1:${p}`);
  }

  get size(): number {
    return this.ports.length;
  }

  /** SIGKILL: no shutdown path runs, in-flight pushes die with the process. */
  kill(i: number): Promise<void> {
    return this.enqueue(i, () => this.killNow(i));
  }

  restart(i: number): Promise<void> {
    return this.enqueue(i, () => this.restartNow(i));
  }

  private enqueue(i: number, step: () => Promise<void>): Promise<void> {
    const run = (this.queues[i] ?? Promise.resolve()).then(step);
    this.queues[i] = run.catch(() => undefined);
    return run;
  }

  private killNow(i: number): Promise<void> {
    const hub = this.hubs[i];
    this.hubs[i] = undefined;
    if (!hub || hub.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      hub.child.once('exit', () => resolve());
      hub.child.kill('SIGKILL');
    });
  }

  private async restartNow(i: number): Promise<void> {
    if (this.hubs[i]) return;
    this.hubs[i] = await startHub(this.dirs[i]!, this.datasets, ['--postgres', this.postgresUrl], this.ports[i]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.queues);
    await Promise.all(this.hubs.map((h) => h && stopHub(h.child)));
    this.hubs.length = 0;
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/**
 * A free port below the ephemeral range (32768 up on Linux): a killed hub must get its port back,
 * and meanwhile the clients' outgoing connections, which take ephemeral ports, cannot occupy it.
 */
async function stablePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  return freePort();
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
