import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import type { SqliteDriver } from '../driver.ts';
import { checkDriverBasics } from './driver-basics.ts';

/*
 * Runs the storage contract (`runStorageContractTests`, the same suite vitest runs on Node) plus
 * driver-level checks inside Deno or Bun, against sqliteStorage on a given driver. vitest cannot
 * run there, so the contract's `import ... from 'vitest'` is pointed at vitest-shim.ts: on Bun by
 * the virtual module registered below, on Deno by an import map the caller passes
 * (`--import-map`, mapping "vitest" to vitest-shim.ts). Prints one line per failure and then
 * `PASS <n>` (exit 0) or `FAIL <failed>/<total>` (exit 1).
 *
 * Usage: <runtime> <driver>/contract.fixture.ts <empty scratch directory>
 */

type Shim = typeof import('./vitest-shim.ts');

export async function runContractInRuntime(label: string, makeDriver: () => SqliteDriver): Promise<never> {
  const base = process.argv[2];
  if (!base) {
    process.stderr.write('usage: contract.fixture.ts <scratch directory>\n');
    process.exit(2);
  }
  const shim: Shim = await import('./vitest-shim.ts');
  const bun = (globalThis as { Bun?: { plugin(plugin: { name: string; setup(build: { module(specifier: string, load: () => { loader: 'object'; exports: Record<string, unknown> }): void }): void }): void } }).Bun;
  if (bun) {
    bun.plugin({ name: 'sluice-vitest-shim', setup: (build) => build.module('vitest', () => ({ loader: 'object', exports: { ...shim } })) });
  }
  // Loaded after the mapping is in place: the contract files import 'vitest'.
  const { runStorageContractTests, makeChain, documentsFor, reopenable } = await import('../../../../src/store/contract/index.ts');
  const { sqliteStorageOn } = await import('../sqlite-storage.ts');
  const { SluiceError } = await import('../../../../src/core/errors.ts');

  const driver = makeDriver();
  let seq = 0;
  const scratch = (): string => {
    const dir = join(base, `t${++seq}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  for (const layout of ['file-per-dataset', 'single-file'] as const) {
    runStorageContractTests(
      async ({ hooks, maxPayloadBytes }) => {
        const dir = scratch();
        const file = join(dir, 'app.db');
        const open = () => sqliteStorageOn(driver, { path: file, layout, hooks, ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }) });
        return reopenable(open, () => rmSync(dir, { recursive: true, force: true }));
      },
      `${label}, ${layout}`,
      { durable: true },
    );
  }
  runStorageContractTests(
    async ({ hooks, maxPayloadBytes }) => ({ adapter: sqliteStorageOn(driver, { path: ':memory:', hooks, ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }) }) }),
    `${label}, in memory`,
  );

  const { describe, it, expect } = shim;
  describe(`driver ${label}`, () => {
    it('reports changes, returns undefined for a missing row and binds positional values as they are', () => {
      const db = driver.open(':memory:');
      try {
        checkDriverBasics(db, expect);
      } finally {
        db.close();
      }
    });

    it('tracks transactions: BEGIN, COMMIT and ROLLBACK', () => {
      const db = driver.open(':memory:');
      try {
        db.exec('CREATE TABLE t (x)');
        expect(db.inTransaction).toBe(false);
        db.prepare('BEGIN IMMEDIATE').run();
        expect(db.inTransaction).toBe(true);
        db.prepare('INSERT INTO t VALUES (?)').run(1);
        db.prepare('COMMIT').run();
        expect(db.inTransaction).toBe(false);
        db.prepare('BEGIN').run();
        db.prepare('INSERT INTO t VALUES (?)').run(2);
        db.prepare('ROLLBACK').run();
        expect(db.inTransaction).toBe(false);
        expect(db.prepare('SELECT count(*) AS n FROM t').get()?.n).toBe(1);
      } finally {
        db.close();
      }
    });

    it('turns engine errors into storage_failure and keeps the connection usable', () => {
      const db = driver.open(':memory:');
      try {
        db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
        const storageFailure = (body: () => unknown) => {
          let caught: unknown;
          try {
            body();
          } catch (error) {
            caught = error;
          }
          expect(caught instanceof SluiceError).toBe(true);
          expect(caught).toMatchObject({ code: 'storage_failure' });
          expect((caught as Error).cause instanceof Error).toBe(true);
        };
        storageFailure(() => db.prepare('SELEC nonsense'));
        storageFailure(() => db.exec('INSERT INTO missing VALUES (1)'));
        const insert = db.prepare('INSERT INTO t VALUES (?)');
        insert.run('a');
        storageFailure(() => insert.run('a'));
        expect(insert.run('b').changes).toBe(1);
        storageFailure(() => driver.open(join(base, 'no-such-dir', 'x.db')));
      } finally {
        db.close();
      }
    });

    it('keeps each dataset in its own file in the file-per-dataset layout', async () => {
      const dir = scratch();
      const storage = sqliteStorageOn(driver, { path: join(dir, 'app.db') });
      const p = makeChain('alice', 3);
      const l = makeChain('alice', 2, { datasetId: 'logs' });
      await storage.open('primary').documents.applyBatch({ documents: documentsFor(p), entries: p });
      await storage.open('logs').documents.applyBatch({ documents: documentsFor(l), entries: l });
      await storage.close();
      expect([existsSync(join(dir, 'app.db')), existsSync(join(dir, 'app.logs.db'))]).toEqual([true, true]);
      const reopened = sqliteStorageOn(driver, { path: join(dir, 'app.db') });
      expect(await reopened.open('primary').oplog.count()).toBe(3);
      expect(await reopened.open('logs').oplog.count()).toBe(2);
      await reopened.close();
    });
  });

  // The shim must fail when it should, or a PASS would mean nothing.
  describe('vitest shim', () => {
    it('fails wrong expectations', async () => {
      const fails = async (body: () => unknown) => {
        let threw = false;
        try {
          await body();
        } catch (error) {
          threw = error instanceof shim.AssertionError;
        }
        if (!threw) throw new Error('a wrong expectation passed');
      };
      await fails(() => expect(1).toBe(2));
      await fails(() => expect({ a: [1, { b: 2 }] }).toEqual({ a: [1, { b: 3 }] }));
      await fails(() => expect({ a: 1 }).toEqual({ a: 1, b: 2 }));
      await fails(() => expect([1, 2]).toEqual([1, 2, 3]));
      await fails(() => expect({ code: 'x', more: 1 }).toMatchObject({ code: 'y' }));
      await fails(() => expect(Promise.resolve(1)).rejects.toThrow());
      await fails(() => expect(Promise.reject(new SluiceError('store_closed', 'x'))).rejects.toMatchObject({ code: 'storage_failure' }));
      await fails(() => expect(1).not.toBe(1));
      await fails(() => expect([1]).toHaveLength(2));
      await fails(() => expect(null).toBeUndefined());
      expect({ a: 1, b: undefined }).toEqual({ a: 1 });
      await expect(Promise.reject(new SluiceError('store_closed', 'x'))).rejects.toMatchObject({ code: 'store_closed' });
    });
  });

  let total = 0;
  const { passed, failed } = await shim.runRegistered((outcome) => {
    total++;
    if (outcome.error !== undefined) {
      const error = outcome.error as Error;
      process.stdout.write(`FAILED ${outcome.name}: ${error?.stack ?? String(error)}\n`);
    }
  });
  if (failed > 0 || total === 0) {
    process.stdout.write(`FAIL ${failed}/${total}\n`);
    process.exit(1);
  }
  process.stdout.write(`PASS ${passed}\n`);
  process.exit(0);
}
