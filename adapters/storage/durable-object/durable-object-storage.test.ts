import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * durableObjectStorage inside real workerd, through Miniflare (its npm package ships the workerd
 * binary). fixtures/contract-worker.ts is bundled as wrangler would bundle it, with 'vitest'
 * pointed at the contract-runtime shim; it registers the whole storage contract plus the driver
 * checks, and runs each test in a Durable Object of its own, so each starts on an empty database.
 * Each of those tests is one `it` here.
 */

const ROOT = new URL('../../../', import.meta.url).pathname;
const ENTRY = 'adapters/storage/durable-object/fixtures/contract-worker.ts';
const SHIM = 'adapters/storage/sqlite/contract-runtime/vitest-shim.ts';

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'sluice-source'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    alias: { vitest: `./${SHIM}` },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const mf = new Miniflare({
  modules: true,
  script: await bundle(),
  compatibilityDate: '2025-04-01',
  compatibilityFlags: ['nodejs_compat'],
  durableObjects: {
    CONTRACT: { className: 'ContractObject', useSQLite: true },
    PLAIN: { className: 'PlainObject' },
  },
});
await mf.ready;

async function get<T>(path: string): Promise<T> {
  const response = await mf.dispatchFetch(`http://sluice.test${path}`);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const names = await get<string[]>('/list');

afterAll(() => mf.dispose());

describe('durableObjectStorage in workerd', () => {
  it('registers every group of the storage contract, durability included, and the driver checks', () => {
    const groups = new Set(names.filter((n) => n.startsWith('storage contract: ')).map((n) => n.split(' > ')[1]));
    // Not 'shared writers': that group is for storage several processes write, and an object is its database's only writer.
    expect([...groups].sort()).toEqual(['CheckpointStore', 'ConfirmationStore', 'DocumentStore', 'OplogStore', 'SnapshotStore', 'bad input', 'dataset isolation', 'durability', 'queries']);
    expect(names.filter((n) => n.startsWith('storage contract: ')).length).toBeGreaterThanOrEqual(45);
    expect(names.filter((n) => n.startsWith('driver durable-object > ')).length).toBeGreaterThanOrEqual(10);
  });

  names.forEach((name, index) => {
    it(name, async () => {
      const outcome = await get<{ name: string; error: string | null }>(`/run?test=${index}`);
      expect(outcome.name).toBe(name);
      if (outcome.error !== null) throw new Error(outcome.error);
    });
  });

  it('refuses an object that is not SQLite-backed with invalid_options naming new_sqlite_classes', async () => {
    const outcome = await get<{ opened: boolean; code?: string; message?: string }>('/no-sql');
    expect(outcome).toMatchObject({ opened: false, code: 'invalid_options' });
    expect(outcome.message).toMatch(/new_sqlite_classes/);
  });
});
