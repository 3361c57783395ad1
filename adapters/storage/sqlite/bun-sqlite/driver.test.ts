import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeProcesses } from '../../../../test/runtime-process.ts';
import { bunSqliteDriver } from './driver.ts';

/*
 * The storage contract on sqliteStorage + bunSqliteDriver, run inside Bun by contract.fixture.ts
 * (vitest does not run there; see ../contract-runtime/run-contract.ts).
 */

const FIXTURE = 'adapters/storage/sqlite/bun-sqlite/contract.fixture.ts';
const TIMEOUT = 60_000;

describe('bun:sqlite driver', () => {
  const procs = new RuntimeProcesses();
  afterEach(() => procs.stopAll());

  it('passes the storage contract inside Bun', async () => {
    const result = await procs.run('bun', FIXTURE, [procs.dir()], TIMEOUT);
    const summary = /^(PASS \d+|FAIL \d+\/\d+)$/m.exec(result.stdout)?.[1];
    expect(summary, result.output.slice(0, 20_000)).toMatch(/^PASS/);
    expect(Number(summary!.slice(5))).toBeGreaterThanOrEqual(100);
    expect(result.code).toBe(0);
  }, TIMEOUT + 10_000);

  it('refuses to load outside Bun, without touching bun:sqlite', () => {
    expect(() => bunSqliteDriver()).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
