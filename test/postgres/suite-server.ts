import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PostgresServer } from './throwaway-cluster.ts';

/**
 * A PostgreSQL server for the suite this is called in (at file or describe level): started before
 * its tests, stopped after them. `url` is readable once the tests run.
 */
export function postgresForSuite(): { readonly url: string } {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url(): string {
      if (!server) throw new Error('postgresForSuite: the server starts in beforeAll; read url inside a test or hook');
      return server.url;
    },
  };
}
