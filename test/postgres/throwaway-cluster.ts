import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * A PostgreSQL server for tests and benches: SLUICE_POSTGRES_URL when it is set, otherwise a
 * throwaway cluster made with initdb in a temporary directory, listening on loopback only, and
 * removed by stop(). As root the server runs as the `postgres` user, since postgres refuses root.
 */

export interface PostgresServer {
  readonly url: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'PostgreSQL is needed for the Postgres tests. Install it (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql@15`) so that initdb and pg_ctl are found, or set SLUICE_POSTGRES_URL to a server the tests may create schemas in.';

export async function startPostgres(): Promise<PostgresServer> {
  const given = process.env.SLUICE_POSTGRES_URL;
  if (given) return { url: given, stop: async () => undefined };
  const bin = findBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : path.join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout}\n${INSTALL_HINT}`);
  };
  if (asRoot) execFileSync('chown', ['postgres:', dir]);
  fs.chmodSync(dir, 0o700);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  // Loopback only, a socket directory of its own, and room for three hubs' pools plus the tests.
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=400 -c shared_buffers=128MB`;
  run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function findBinaries(): string {
  const candidates: string[] = [];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  for (const root of ['/usr/lib/postgresql', '/usr/local/opt']) {
    if (!fs.existsSync(root)) continue;
    for (const v of fs.readdirSync(root).sort().reverse()) candidates.push(path.join(root, v, 'bin'));
  }
  for (const p of (process.env.PATH ?? '').split(path.delimiter)) candidates.push(p);
  const found = candidates.find((d) => d && fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')) && fs.existsSync(path.join(d, 'postgres')));
  if (!found) throw new Error(`No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found. ${INSTALL_HINT}`);
  return found;
}

/** A port nothing listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
