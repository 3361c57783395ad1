import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageAdapter } from '../src/store/storage-adapter.ts';
import { assertNodeId } from '../src/core/hlc.ts';

/**
 * `sluice hub --postgres`: the adapter is loaded only then, so a hub on SQLite needs no postgres
 * client installed.
 */
export async function openPostgres(url: string): Promise<StorageAdapter> {
  let module: typeof import('../adapters/storage/postgres/index.ts');
  try {
    module = await import('../adapters/storage/postgres/index.ts');
  } catch (error) {
    throw new Error(`--postgres needs the postgres client: run \`npm install postgres\` next to sluice (${(error as Error).message}).`, { cause: error });
  }
  return module.postgresStorage({ url });
}

/** This hub's node id, kept in its data directory: stable across restarts, distinct per hub. */
export function hubNodeId(dataDir: string): string {
  const file = join(dataDir, 'node-id');
  try {
    return assertNodeId(readFileSync(file, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const id = `hub-${randomUUID()}`;
  writeFileSync(file, `${id}\n`, { flag: 'wx' });
  return id;
}

/** The URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the given URL';
  }
}
