import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { Processes, REPO_ROOT, terminate, type Child } from '../demo/process-helpers.ts';

/*
 * The `sluice` command line as users meet it: real child processes running the package's bin (the
 * compiled CLI in dist/, which `npm test` builds first), on 127.0.0.1 and free ports only. Assertions are on exit codes and messages, never on timing.
 */

const CLI = [join(REPO_ROOT, 'bin/sluice.mjs')];
const TIMEOUT = 60_000;
const USAGE_ERROR = 2;

describe('sluice CLI', () => {
  const p = new Processes();
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
    await p.cleanup();
  });

  /** Runs the CLI to completion. */
  async function sluice(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const c = p.start([...CLI, ...args]);
    const { code } = await c.exited;
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  }

  /** A temporary data directory, and flags that keep a mistakenly started hub off 8787 and ./.sluice. */
  function safeHubFlags(): string[] {
    return ['--port', '0', '--data', join(p.dir('sluice-cli-test-'), 'data'), '--stats', '0'];
  }

  async function occupiedPort(): Promise<number> {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** A loopback port that was free a moment ago: nothing answers there. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  describe('help', () => {
    it.each([['--help'], ['-h'], ['help']])('`sluice %s` lists every command with its options on stdout and exits 0', async (flag) => {
      const r = await sluice(flag);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Usage: sluice <command>/);
      expect(r.stdout).toContain('hub   Run a hub node');
      expect(r.stdout).toContain('load  Append records');
      expect(r.stdout).toContain('--max-connections <n>');
      expect(r.stdout).toContain('--rate <n>');
    }, TIMEOUT);

    it.each([
      ['hub', ['hub', '--help']],
      ['hub', ['hub', '-h']],
      ['hub', ['help', 'hub']],
      ['hub', ['hub', '--port', '1', '--help']],
      ['load', ['load', '--help']],
      ['load', ['load', '-h']],
      ['load', ['help', 'load']],
    ])('prints %s usage for %j and exits 0', async (command, args) => {
      const r = await sluice(...args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: sluice ${command} \\[options\\]\\n`));
      expect(r.stdout).toContain('-h, --help');
      if (command === 'hub') expect(r.stdout).toMatch(/--max-connections <n>\s+most connections served at once; further ones are closed \(default 1000\)/);
      else expect(r.stdout).toContain('--hub <url>');
    }, TIMEOUT);

    it('`sluice hub --help` and `sluice help hub` print the same text', async () => {
      const [a, b] = await Promise.all([sluice('hub', '--help'), sluice('help', 'hub')]);
      expect(a.stdout).toBe(b.stdout);
    }, TIMEOUT);
  });

  describe('usage errors exit 2 with a message naming the problem and the usage hint', () => {
    it('without a command', async () => {
      const r = await sluice();
      expect(r.code).toBe(USAGE_ERROR);
      expect(r.stderr).toContain('sluice: missing command');
      expect(r.stderr).toContain('Usage: sluice <command>');
      expect(r.stdout).toBe('');
    }, TIMEOUT);

    it.each([
      [['bogus'], 'bogus'],
      [['help', 'bogus'], 'bogus'],
      [['--port', '1'], '--port'],
    ])('an unknown command %j', async (args, name) => {
      const r = await sluice(...args);
      expect(r.code).toBe(USAGE_ERROR);
      expect(r.stderr).toContain(`sluice: unknown command "${name}"`);
      expect(r.stderr).toContain('Usage: sluice <command> [options] (run "sluice --help" for the commands)');
      expect(r.stderr).toContain('the commands are hub, load');
      expect(r.stdout).toBe('');
    }, TIMEOUT);

    it.each([
      [['--bogus'], 'unknown option --bogus'],
      [['-x'], 'unknown option -x'],
      [['--port'], '--port needs a value: --port <n>'],
      [['--port', ''], '--port needs a value'],
      [['--port', '--host', '127.0.0.1'], '--port needs a value'],
      [['--port', 'eighty'], '--port must be a port number, a whole number from 0 to 65535; got "eighty"'],
      [['--port', '12abc'], '--port must be a port number'],
      [['--port', '65536'], '--port must be a port number'],
      [['--port', '-1'], '--port must be a port number'],
      [['--port', '80.5'], '--port must be a port number'],
      [['--port', '0x50'], '--port must be a port number'],
      [['--port=1e3'], '--port must be a port number'],
      [['--stats', '-1'], '--stats must be seconds'],
      [['--stats', 'NaN'], '--stats must be seconds'],
      [['--stats', 'Infinity'], '--stats must be seconds'],
      [['--stats', '100000'], '--stats must be seconds'],
      [['--max-connections', '0'], '--max-connections must be the number of connections to serve at once, a whole number of 1 or more; got "0"'],
      [['--max-connections', '-5'], '--max-connections must be'],
      [['--max-connections', '1.5'], '--max-connections must be'],
      [['--max-connections', '10abc'], '--max-connections must be'],
      [['--max-connections'], '--max-connections needs a value'],
      [['--datasets', 'Primary'], '--datasets: Invalid dataset id "Primary"'],
      [['--datasets', ' , '], '--datasets needs at least one dataset id'],
      [['--exit-with-stdin=yes'], '--exit-with-stdin takes no value'],
      [['--postgres', 'http://127.0.0.1:5432/db'], '--postgres (or SLUICE_POSTGRES_URL) must be a URL like postgres://user:password@host:5432/db.'],
      [['--postgres'], '--postgres needs a value'],
      [['serve'], 'unexpected argument "serve"'],
    ])('sluice hub %j', async (bad, message) => {
      // The bad flag comes last: it overrides the safe defaults where it repeats one of them.
      const r = await sluice('hub', ...safeHubFlags(), ...bad);
      expect(r.code, r.stderr).toBe(USAGE_ERROR);
      expect(r.stderr).toContain(`sluice hub: ${message}`);
      expect(r.stderr).toContain('Usage: sluice hub [options] (run "sluice hub --help" for the options)');
      expect(r.stdout).toBe('');
    }, TIMEOUT);

    it.each([
      [[], '--hub <ws://host:port> is required'],
      [['--hub'], '--hub needs a value'],
      [['--hub', 'http://127.0.0.1:1'], '--hub must be a ws:// or wss:// URL'],
      [['--hub', 'ws://127.0.0.1:1', '--rate', '12abc'], '--rate must be records per second'],
      [['--hub', 'ws://127.0.0.1:1', '--rate', '-100'], '--rate must be records per second'],
      [['--hub', 'ws://127.0.0.1:1', '--rate', '0.5'], '--rate must be records per second'],
      [['--hub', 'ws://127.0.0.1:1', '--duration', '-1'], '--duration must be seconds'],
      [['--hub', 'ws://127.0.0.1:1', '--duration', 'soon'], '--duration must be seconds'],
      [['--hub', 'ws://127.0.0.1:1', '--dataset', 'Logs'], '--dataset: Invalid dataset id "Logs"'],
      [['--hub', 'ws://127.0.0.1:1', '--storage', 'disk'], '--storage must be memory or sqlite'],
      [['--hub', 'ws://127.0.0.1:1', '--worker=no'], '--worker takes no value'],
      [['--hub', 'ws://127.0.0.1:1', '--bogus'], 'unknown option --bogus'],
    ])('sluice load %j', async (bad, message) => {
      const r = await sluice('load', ...bad);
      expect(r.code, r.stderr).toBe(USAGE_ERROR);
      expect(r.stderr).toContain(`sluice load: ${message}`);
      expect(r.stderr).toContain('Usage: sluice load [options] (run "sluice load --help" for the options)');
      expect(r.stdout).toBe('');
    }, TIMEOUT);
  });

  describe('sluice hub failures exit 1 with one clear line, and the process does not linger', () => {
    it('a port already in use', async () => {
      const port = await occupiedPort();
      const r = await sluice('hub', '--port', String(port), '--data', join(p.dir('sluice-cli-test-'), 'data'), '--stats', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`sluice hub: port ${port} on 127.0.0.1 is already in use: stop the other process or pass --port 0 for a free port.\n`);
      expect(r.stdout).not.toContain('listening');
    }, TIMEOUT);

    it('a data directory that is a regular file', async () => {
      const file = join(p.dir('sluice-cli-test-'), 'not-a-dir');
      writeFileSync(file, 'x');
      const r = await sluice('hub', '--port', '0', '--data', file, '--stats', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`sluice hub: data directory ${file} is a file, not a directory: pass --data <dir> with a directory you can write to (it is created if missing).\n`);
    }, TIMEOUT);

    it('a data directory under a regular file', async () => {
      const file = join(p.dir('sluice-cli-test-'), 'not-a-dir');
      writeFileSync(file, 'x');
      const r = await sluice('hub', '--port', '0', '--data', join(file, 'data'), '--stats', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot create data directory ${join(file, 'data')}: ${file} is a file, not a directory`);
      expect(r.stderr).toContain('pass --data <dir>');
    }, TIMEOUT);

    it('a dataset whose storage cannot open (its database path is a directory): the running workers stop too', async () => {
      const data = join(p.dir('sluice-cli-test-'), 'data');
      mkdirSync(join(data, 'hub.logs.db'), { recursive: true });
      const r = await sluice('hub', '--port', '0', '--data', data, '--stats', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^sluice hub: /);
      expect(r.stdout).not.toContain('listening');
    }, TIMEOUT);

    it('a PostgreSQL that does not answer: one line naming the server, with the password hidden', async () => {
      const port = await closedPort();
      const r = await sluice('hub', '--port', '0', '--data', join(p.dir('sluice-cli-test-'), 'data'), '--stats', '0', '--postgres', `postgres://sluice:s3cret@127.0.0.1:${port}/app`);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `sluice hub: cannot open the hub's storage in PostgreSQL at postgres://sluice:***@127.0.0.1:${port}/app: PostgreSQL could not be reached during opening dataset "primary" (ECONNREFUSED): check the URL and that the server is up. Nothing of it was committed.\n`,
      );
      expect(r.stdout).not.toContain('listening');
    }, TIMEOUT);

    // /proc refuses new entries even to root, where a read-only directory would not.
    it.runIf(existsSync('/proc/self'))('a data directory that cannot be created (/proc/nope)', async () => {
      const r = await sluice('hub', '--port', '0', '--data', '/proc/nope', '--stats', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^sluice hub: cannot create data directory \/proc\/nope \(.+\): pass --data <dir> with a directory you can write to/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }, TIMEOUT);
  });

  describe('a running hub', () => {
    async function hub(extra: string[]): Promise<Child & { url: string }> {
      const c = p.start([...CLI, 'hub', ...safeHubFlags(), ...extra]);
      const [, url] = await c.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+)/, TIMEOUT);
      return Object.assign(c, { url: url! });
    }

    function connect(url: string) {
      const socket = new WebSocket(url);
      socket.on('error', () => undefined);
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
      return { socket, opened, closed };
    }

    it('--max-connections 1 serves one connection and closes the next with 4429; SIGTERM stops it cleanly', async () => {
      const h = await hub(['--max-connections', '1']);
      expect(h.stdout()).toContain('max connections: 1)');
      const first = connect(h.url);
      await first.opened;
      const second = connect(h.url);
      expect(await second.closed).toBe(4429); // CLOSE_CODES.overloaded
      expect(await terminate(h)).toEqual({ code: 0, signal: null });
      expect(await first.closed).toBe(4503); // CLOSE_CODES.shutdown
      expect(h.stdout()).toContain('sluice hub: SIGTERM, shutting down');
      expect(h.stdout()).toContain('sluice hub: stopped cleanly');
      expect(h.stderr()).toBe('');
    }, TIMEOUT);

    it('defaults to 1000 connections', async () => {
      const h = await hub([]);
      expect(h.stdout()).toContain('max connections: 1000)');
      const a = connect(h.url);
      const b = connect(h.url);
      await Promise.all([a.opened, b.opened]);
      expect(await terminate(h)).toEqual({ code: 0, signal: null });
      expect(await Promise.all([a.closed, b.closed])).toEqual([4503, 4503]);
    }, TIMEOUT);
  });
});
