import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../demo/process-helpers.ts';

/*
 * What a user installs: the tarball `npm pack` makes from this repository (its `files`, its built
 * dist/), installed with npm into a throwaway project outside the repository. npm prefers its local
 * cache (the repository's own install filled it), so this mostly works offline.
 */

/** Runs a command to completion; rejects with its output when it fails. */
export function exec(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code} in ${cwd}:\n${out}`))));
  });
}

/** `npm pack` of the repository into `dir`; returns the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  const out = await exec('npm', ['pack', '--json', '--pack-destination', dir], REPO_ROOT);
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  return join(dir, info!.filename);
}

/** The version the repository itself installed, so a consumer install finds it in npm's cache. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Creates an ESM project in `dir` depending on the tarball and `deps` (names, or name@version), and installs it with npm. */
export async function installProject(dir: string, tarball: string, deps: readonly string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // A bare name gets the version the repository installed; `name@version` pins another one.
  const pinned = (d: string) => (d.lastIndexOf('@') > 0 ? [d.slice(0, d.lastIndexOf('@')), d.slice(d.lastIndexOf('@') + 1)] : [d, installedVersion(d)]);
  const dependencies = Object.fromEntries([['sluice', `file:${tarball}`], ...deps.map(pinned)]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'sluice-consumer', private: true, type: 'module', dependencies }, null, 2));
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}
