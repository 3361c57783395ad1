import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/*
 * Finds or provides the Chromium the e2e suite drives, in this order:
 *   1. CHROMIUM_PATH (must point at an executable; a wrong value is an error, not a fallback),
 *   2. a system Chromium (/usr/bin/chromium, /usr/bin/chromium-browser),
 *   3. Playwright's own downloaded browser,
 *   4. an install: `playwright-core install chromium`, then (root with apt-get, where downloads are
 *      closed) Debian's `chromium` package.
 * If none can be had, it throws a message that says how to install one: the suite fails, it never
 * skips.
 */

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The flags every e2e browser runs with; Playwright adds a fresh --user-data-dir per launch. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

const HOW_TO_INSTALL =
  'Install one and re-run: `npx playwright-core install chromium` (downloads Playwright\'s Chromium), ' +
  'or `apt-get install -y chromium` on Debian/Ubuntu, or set CHROMIUM_PATH to a Chromium or Chrome executable.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function playwrightBrowser(): string | undefined {
  try {
    const path = chromium.executablePath();
    return path && isExecutable(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function findInstalled(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file. ${HOW_TO_INSTALL}`);
    return fromEnv;
  }
  return SYSTEM_CHROMIUM.find(isExecutable) ?? playwrightBrowser();
}

/** Runs one install attempt; returns its output for the error message when everything fails. */
function attempt(command: string, args: string[], timeoutMs: number): string {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
  return `$ ${command} ${args.join(' ')} -> ${result.error ? result.error.message : `exit ${result.status}`}\n${output}`;
}

function install(): string[] {
  const log: string[] = [];
  const cli = join(dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')), 'cli.js');
  log.push(attempt(process.execPath, [cli, 'install', 'chromium'], 180_000));
  if (playwrightBrowser()) return log;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (isRoot && hasApt) {
    log.push(attempt('apt-get', ['update'], 180_000));
    log.push(attempt('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], 300_000));
  }
  return log;
}

/**
 * The path of a Chromium to launch, installing one if needed. Concurrent callers (several e2e files
 * in parallel workers) serialize the install on a lock directory, so it runs once.
 */
export async function resolveChromium(): Promise<string> {
  const found = findInstalled();
  if (found) return found;
  const lockDir = join(REPO_ROOT, 'node_modules', '.e2e-chromium-install.lock');
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 1_000));
      const meanwhile = findInstalled();
      if (meanwhile) return meanwhile;
    }
  }
  try {
    const log = install();
    const installed = findInstalled();
    if (installed) return installed;
    throw new Error(`No Chromium found for the e2e tests and none could be installed.\n${HOW_TO_INSTALL}\n\nInstall attempts:\n${log.join('\n')}`);
  } finally {
    rmdirSync(lockDir);
  }
}

/** Launches headless Chromium with the suite's flags. Close it in afterAll/afterEach. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await resolveChromium();
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 });
}
