import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reopenable, runStorageContractTests } from '../../../../src/store/contract/index.ts';
import { importMapFile, RuntimeProcesses } from '../../../../test/runtime-process.ts';
import { sqliteStorageOn } from '../sqlite-storage.ts';
import { nodeSqliteDriver } from './driver.ts';

/*
 * The storage contract on sqliteStorage + nodeSqliteDriver, run inside real runtimes by
 * contract.fixture.ts (vitest does not run there; see ../contract-runtime/run-contract.ts).
 * Deno is the runtime this driver is for; Bun ships node:sqlite too. Node runs it in-process
 * when it has node:sqlite (>= 22.5); the Node 20 the project targets does not.
 */

const FIXTURE = 'adapters/storage/sqlite/node-sqlite/contract.fixture.ts';
const SHIM = 'adapters/storage/sqlite/contract-runtime/vitest-shim.ts';
const TIMEOUT = 60_000;

function nodeHasSqlite(): boolean {
  try {
    nodeSqliteDriver();
    return true;
  } catch {
    return false;
  }
}

describe('node:sqlite driver', () => {
  const procs = new RuntimeProcesses();
  afterEach(() => procs.stopAll());

  function expectPass(result: { code: number | null; stdout: string; output: string }): void {
    const summary = /^(PASS \d+|FAIL \d+\/\d+)$/m.exec(result.stdout)?.[1];
    // The failures, not the whole output, in the assertion message.
    expect(summary, result.output.slice(0, 20_000)).toMatch(/^PASS/);
    expect(Number(summary!.slice(5))).toBeGreaterThanOrEqual(100);
    expect(result.code).toBe(0);
  }

  it('passes the storage contract inside Deno', async () => {
    const dir = procs.dir();
    const importMap = importMapFile(dir, { vitest: SHIM });
    expectPass(await procs.run('deno', FIXTURE, [dir], TIMEOUT, { importMap }));
  }, TIMEOUT + 10_000);

  it('passes the storage contract inside Bun (Bun implements node:sqlite as well)', async () => {
    expectPass(await procs.run('bun', FIXTURE, [procs.dir()], TIMEOUT));
  }, TIMEOUT + 10_000);

  it.runIf(!nodeHasSqlite())('says which runtimes have node:sqlite when this one does not', () => {
    expect(() => nodeSqliteDriver()).toThrow(expect.objectContaining({ code: 'invalid_options', message: expect.stringMatching(/node:sqlite/) }));
  });
});

if (nodeHasSqlite()) {
  runStorageContractTests(
    async ({ hooks, maxPayloadBytes }) => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-node-sqlite-'));
      const open = () => sqliteStorageOn(nodeSqliteDriver(), { path: join(dir, 'app.db'), hooks, maxPayloadBytes });
      return reopenable(open, () => rmSync(dir, { recursive: true, force: true }));
    },
    'node:sqlite on this Node',
    { durable: true },
  );
}
