/*
 * The storage contract on sqliteStorage + nodeSqliteDriver, inside Deno (or Bun, or Node >= 22.5).
 * Run by driver.test.ts; by hand (Deno needs the import map that points 'vitest' at the shim, see
 * ../contract-runtime/run-contract.ts):
 *   deno run --allow-read --allow-write --import-map=<map.json> contract.fixture.ts <empty dir>
 */
import { runContractInRuntime } from '../contract-runtime/run-contract.ts';
import { nodeSqliteDriver } from './driver.ts';

await runContractInRuntime('node:sqlite', nodeSqliteDriver);
