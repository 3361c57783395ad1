import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAsConsumer, type BundleFile } from '../../../bench/bundle.ts';
import { repoPath, runtimeArgs, runtimeBin } from '../../../test/runtime-process.ts';
import type { RoundResult } from './fixtures/browser-round.ts';

/*
 * Chromium (through sluice/webtransport from the built package, bundled by Vite with its defaults) against a Deno hub serving WebTransport
 * (Deno.QuicEndpoint + Deno.upgradeWebTransport, --unstable-net) on 127.0.0.1, with a
 * self-signed ECDSA P-256 certificate valid 10 days, pinned through serverCertificateHashes.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'wt-secret';

let dir: string;
let hub: ChildProcess | undefined;
let hubOut = '';
let hubUrl: string;
let certHash: string;
let page: Server | undefined;
let pageUrl: string;
let browser: Browser | undefined;

/** A certificate Chromium accepts with serverCertificateHashes: ECDSA, at most 14 days. */
function selfSignedCertificate(into: string): { certFile: string; keyFile: string; sha256: string } {
  const certFile = join(into, 'cert.pem');
  const keyFile = join(into, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', keyFile, '-out', certFile, '-days', '10', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:FALSE'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`The WebTransport test makes its certificate with openssl, which failed or is missing (apt-get install openssl): ${(error as Error).message}`);
  }
  const sha256 = createHash('sha256').update(new X509Certificate(readFileSync(certFile)).raw).digest('hex');
  return { certFile, keyFile, sha256 };
}

function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const match = pattern.exec(hubOut);
      if (match) {
        clearInterval(poll);
        resolve(match);
      } else if (hub?.exitCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`Deno WebTransport hub printed no ${pattern}:\n${hubOut}`));
      }
    }, 25);
  });
}

/** Serves the Vite build and a page that loads it, on loopback (a secure context, as WebTransport needs). */
async function servePage(files: BundleFile[]): Promise<Server> {
  const byPath = new Map(files.map((f) => [`/${f.fileName}`, f.code]));
  const main = files.find((f) => !f.worker)!.fileName;
  // The app build exposes the fixture's exports as globalThis.sluiceBundle (see buildAsConsumer).
  const html = `<!doctype html><title>sluice webtransport</title><script type=module>import '/${main}'; window.sluice = globalThis.sluiceBundle; document.title = 'ready';</script>`;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const code = byPath.get(path);
    if (code !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: set CHROMIUM_PATH, or install one (apt-get install chromium, or npx playwright install chromium).`);
  dir = mkdtempSync(join(tmpdir(), 'sluice-wt-'));
  const cert = selfSignedCertificate(dir);
  certHash = cert.sha256;

  const args = runtimeArgs('deno', repoPath('adapters/transport/webtransport/deno/hub.fixture.ts'), [dir, TOKEN, cert.certFile, cert.keyFile]);
  args.splice(1, 0, '--unstable-net');
  hub = spawn(runtimeBin('deno'), args, { cwd: repoPath('.'), stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
  hub.stdout!.on('data', (chunk: Buffer) => (hubOut += chunk.toString()));
  hub.stderr!.on('data', (chunk: Buffer) => (hubOut += chunk.toString()));

  const [files] = await Promise.all([buildAsConsumer(repoPath('adapters/transport/webtransport/fixtures/browser-round.ts')), waitForOutput(/LISTENING (\S+)/, 30_000).then((m) => (hubUrl = m[1]!))]);
  page = await servePage(files);
  pageUrl = `http://127.0.0.1:${(page.address() as { port: number }).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (page ? page.close(() => resolve()) : resolve()));
  if (hub && hub.exitCode === null) {
    const exited = new Promise((resolve) => hub!.once('close', resolve));
    hub.kill('SIGKILL');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('WebTransport: Chromium client, Deno hub', () => {
  it('handshakes and syncs one round through sluice/webtransport; hub and browser converge', async () => {
    const tab = await browser!.newPage();
    await tab.goto(pageUrl);
    await tab.waitForFunction(() => document.title === 'ready');
    expect(await tab.evaluate(() => typeof WebTransport)).toBe('function');
    const result = (await tab.evaluate(
      ([url, token, hash]) => (window as unknown as { sluice: { syncRound(u: string, t: string, h: string): Promise<unknown> } }).sluice.syncRound(url!, token!, hash!),
      [hubUrl, TOKEN, certHash],
    )) as RoundResult;
    expect(result.error ?? '').toBe('');
    expect(result.ok).toBe(true);
    // The writes may have synced in the round they started themselves; the keys say what converged.
    const browserKeys = [...Array.from({ length: 30 }, (_, i) => `browser-${String(i).padStart(2, '0')}`), ...Array.from({ length: 20 }, (_, i) => `hub-${String(i).padStart(2, '0')}`)].sort();
    expect(result.keys).toEqual(browserKeys);

    // The hub's side of the convergence: it reports its keys as it stops.
    hub!.stdin!.end();
    const [, keysJson] = await waitForOutput(/KEYS (\[.*\])\n/, 15_000);
    expect(JSON.parse(keysJson!)).toEqual(browserKeys);
    await waitForOutput(/STOPPED/, 15_000);
    await tab.close();
  }, 60_000);

  it('a runtime without WebTransport gets a typed invalid_options error', async () => {
    const tab = await browser!.newPage();
    await tab.goto(pageUrl);
    await tab.waitForFunction(() => document.title === 'ready');
    const error = await tab.evaluate(() => (window as unknown as { sluice: { missingWebTransportError(): Promise<{ code: string; message: string }> } }).sluice.missingWebTransportError());
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(/no WebTransport/);
    await tab.close();
  }, 30_000);
});
