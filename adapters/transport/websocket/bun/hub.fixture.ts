/*
 * A Bun hub for the tests: node `bun-hub` on SQLite through bun:sqlite, served by Bun.serve.
 *   bun bun/hub.fixture.ts <data dir> <token>
 * Prints `LISTENING <url> bun`; stops on SIGTERM/SIGINT or when stdin ends (keep stdin open).
 */
import { bunSqliteDriver } from '../../../storage/sqlite/bun-sqlite/driver.ts';
import { runHubFixture } from '../runtime-fixtures.ts';
import { listen } from './server.ts';

await runHubFixture('bun-hub', bunSqliteDriver, { runtime: 'bun', listen });
