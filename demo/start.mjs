#!/usr/bin/env node
// `npm start`: a sluice hub on embedded SQLite (data under ./.sluice), the demo page built with
// Vite into demo/dist, and a static server for it. Ctrl-C (SIGINT) or SIGTERM stops both.
//
//   --port <n>      page port (env SLUICE_DEMO_PORT, default 5173; 0 picks a free one)
//   --hub-port <n>  hub port (env SLUICE_HUB_PORT, default 8787; 0 picks a free one)
//   --data <dir>    hub data directory (env SLUICE_DATA_DIR, default ./.sluice)
//   --out <dir>     build output (env SLUICE_DEMO_OUT, default demo/dist)
//   --no-build      serve the existing build (env SLUICE_DEMO_SKIP_BUILD=1)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveStatic } from './server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';

function fail(message) {
  process.stderr.write(`sluice demo: ${message}\n`);
  process.exit(1);
}

function portOf(value, name) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`${name} must be a port number 0-65535, got ${JSON.stringify(value)}`);
  return port;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.SLUICE_DEMO_PORT || '5173' },
      'hub-port': { type: 'string', default: process.env.SLUICE_HUB_PORT || '8787' },
      data: { type: 'string', default: process.env.SLUICE_DATA_DIR || './.sluice' },
      out: { type: 'string', default: process.env.SLUICE_DEMO_OUT || resolve(ROOT, 'demo/dist') },
      build: { type: 'boolean', default: process.env.SLUICE_DEMO_SKIP_BUILD !== '1' },
      'no-build': { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (error) {
  fail(error.message);
}
const pagePort = portOf(values.port, '--port');
const hubPort = portOf(values['hub-port'], '--hub-port');
const outDir = resolve(values.out);
const dataDir = resolve(values.data);
const build = values.build && !values['no-build'];

let hub;
let page;
let stopping = false;

/** Starts `sluice hub` as a child process and resolves with its ws:// URL once it listens. */
function startHub() {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/sluice.mjs'), 'hub', '--host', HOST, '--port', String(hubPort), '--data', dataDir, '--stats', '0', '--metrics-port', '0', '--exit-with-stdin'], {
    cwd: ROOT,
    // The open stdin pipe ties the hub's life to ours: if this launcher is killed, the hub stops too.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  hub = child;
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the hub did not start within 30 s:\n${out}`)), 30_000);
    const onData = (chunk) => {
      const text = chunk.toString();
      out += text;
      for (const line of text.split('\n')) if (line.trim()) process.stdout.write(`[hub] ${line}\n`);
      const match = /listening on (ws:\/\/\S+)/.exec(out);
      const metrics = /metrics on (http:\/\/\S+)/.exec(out);
      if (match && metrics) {
        clearTimeout(timer);
        resolvePromise({ url: match[1], metricsUrl: metrics[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the hub exited (${signal ?? code}) before listening:\n${out}`));
      if (!stopping) {
        process.stderr.write(`sluice demo: the hub stopped unexpectedly (${signal ?? code})\n`);
        void shutdown(1);
      }
    });
  });
}

async function buildPage() {
  const { build: viteBuild } = await import('vite');
  process.env.SLUICE_DEMO_OUT = outDir;
  await viteBuild({ configFile: resolve(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

function stopHub() {
  const child = hub;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await page?.close().catch(() => undefined);
  await stopHub();
  process.stdout.write('sluice demo: stopped\n');
  process.exit(code);
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const [{ url: hubUrl, metricsUrl }] = await Promise.all([
    startHub(),
    build
      ? buildPage()
      : existsSync(resolve(outDir, 'index.html'))
        ? Promise.resolve()
        : Promise.reject(new Error(`--no-build, but there is no build in ${outDir}`)),
  ]);
  if (stopping) process.exit(0);
  page = await serveStatic({ root: outDir, host: HOST, port: pagePort, config: { hubUrl }, hubMetricsUrl: metricsUrl });
  process.stdout.write(`sluice demo: hub  ${hubUrl}\n`);
  process.stdout.write(`sluice demo: page ${page.url}\n`);
  process.stdout.write('sluice demo: open the page in two tabs; Ctrl-C stops everything\n');
} catch (error) {
  process.stderr.write(`sluice demo: ${error.message}\n`);
  await shutdown(1);
}
