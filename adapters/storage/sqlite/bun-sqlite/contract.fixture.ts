/*
 * The storage contract on sqliteStorage + bunSqliteDriver, inside Bun. Run by driver.test.ts; by hand:
 *   bun contract.fixture.ts <empty dir>
 */
import { runContractInRuntime } from '../contract-runtime/run-contract.ts';
import { bunSqliteDriver } from './driver.ts';

await runContractInRuntime('bun:sqlite', bunSqliteDriver);
