/*
 * A Deno client for the tests: SQLite through node:sqlite, 50 writes, one sync round, one JSON line.
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-write deno/client.fixture.ts <hub url> <token> <key prefix> <data dir>
 */
import { nodeSqliteDriver } from '../../../storage/sqlite/node-sqlite/driver.ts';
import { runClientFixture } from '../runtime-fixtures.ts';

await runClientFixture('deno-client', nodeSqliteDriver);
