/*
 * A Deno hub for the tests: node `deno-hub` on SQLite through node:sqlite, served by Deno.serve.
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-write deno/hub.fixture.ts <data dir> <token>
 * Prints `LISTENING <url> deno`; stops on SIGTERM/SIGINT or when stdin ends (keep stdin open).
 */
import { nodeSqliteDriver } from '../../../storage/sqlite/node-sqlite/driver.ts';
import { runHubFixture } from '../runtime-fixtures.ts';
import { listen } from './server.ts';

await runHubFixture('deno-hub', nodeSqliteDriver, { runtime: 'deno', listen });
