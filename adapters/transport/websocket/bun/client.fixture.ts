/*
 * A Bun client for the tests: SQLite through bun:sqlite, 50 writes, one sync round, one JSON line.
 *   bun bun/client.fixture.ts <hub url> <token> <key prefix> <data dir>
 */
import { bunSqliteDriver } from '../../../storage/sqlite/bun-sqlite/driver.ts';
import { runClientFixture } from '../runtime-fixtures.ts';

await runClientFixture('bun-client', bunSqliteDriver);
