import { createRequire } from 'node:module';
import { SluiceError } from '../../../../src/core/errors.ts';
import type { SqliteConnection, SqliteDriver, SqliteRow, SqliteRunResult, SqliteStatement, SqliteValue } from '../driver.ts';

/*
 * Bun's built-in `bun:sqlite`. Only Bun can resolve that specifier and the project type-checks
 * against Node types, so the few members used here are declared below and the module is loaded
 * when the driver is created, through `createRequire` (which Bun resolves synchronously for its
 * built-ins): Node, Deno and bundlers for other targets never see a static `bun:sqlite` import,
 * and `bunSqliteDriver()` stays synchronous like `betterSqlite3Driver()`.
 */

interface BunStatement {
  run(...params: SqliteValue[]): { readonly changes: number | bigint };
  /** null, not undefined, when there is no row. */
  get(...params: SqliteValue[]): unknown;
  all(...params: SqliteValue[]): unknown[];
}

interface BunDatabase {
  readonly inTransaction: boolean;
  exec(sql: string): unknown;
  prepare(sql: string): BunStatement;
  close(throwOnError?: boolean): void;
}

interface BunSqliteModule {
  Database: new (path: string, options?: { readonly create?: boolean; readonly readwrite?: boolean }) => BunDatabase;
  SQLiteError: new (...args: never[]) => Error & { readonly code?: string; readonly errno?: number };
}

/** A driver over Bun's built-in `bun:sqlite`. Throws `invalid_options` outside Bun. */
export function bunSqliteDriver(): SqliteDriver {
  const sqlite = loadBunSqlite();
  const wrap = (error: unknown): unknown => {
    // Engine errors (busy, full disk, corruption, bad SQL) become storage_failure; anything else is a bug and passes through.
    if (error instanceof sqlite.SQLiteError) {
      return new SluiceError('storage_failure', `SQLite failed: ${error.message}`, typeof error.code === 'string' ? { sqliteCode: error.code } : {}, { cause: error });
    }
    return error;
  };
  const guard = <T>(body: () => T): T => {
    try {
      return body();
    } catch (error) {
      throw wrap(error);
    }
  };
  return {
    name: 'bun:sqlite',
    open(path: string): SqliteConnection {
      return guard(() => new BunSqliteConnection(new sqlite.Database(path, { create: true, readwrite: true }), guard));
    },
  };
}

function loadBunSqlite(): BunSqliteModule {
  if (!('Bun' in globalThis)) {
    throw new SluiceError('invalid_options', 'bun:sqlite exists only in Bun: on Deno use nodeSqliteDriver(), on Node betterSqlite3Driver().');
  }
  const mod = createRequire(import.meta.url)('bun:sqlite') as Partial<BunSqliteModule>;
  if (typeof mod.Database !== 'function' || typeof mod.SQLiteError !== 'function') {
    throw new SluiceError('invalid_options', 'This Bun has no usable bun:sqlite (Database, SQLiteError).');
  }
  return mod as BunSqliteModule;
}

type Guard = <T>(body: () => T) => T;

class BunSqliteConnection implements SqliteConnection {
  constructor(
    private readonly db: BunDatabase,
    private readonly guard: Guard,
  ) {}

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  exec(sql: string): void {
    this.guard(() => this.db.exec(sql));
  }

  prepare(sql: string): SqliteStatement {
    return new BunSqliteStatement(this.guard(() => this.db.prepare(sql)), this.guard);
  }

  close(): void {
    // Statements still cached by the caller are finalized by Bun on close.
    this.guard(() => this.db.close(false));
  }
}

class BunSqliteStatement implements SqliteStatement {
  constructor(
    private readonly stmt: BunStatement,
    private readonly guard: Guard,
  ) {}

  run(...params: SqliteValue[]): SqliteRunResult {
    return { changes: Number(this.guard(() => this.stmt.run(...params)).changes) };
  }

  get(...params: SqliteValue[]): SqliteRow | undefined {
    return (this.guard(() => this.stmt.get(...params)) ?? undefined) as SqliteRow | undefined;
  }

  all(...params: SqliteValue[]): SqliteRow[] {
    return this.guard(() => this.stmt.all(...params)) as SqliteRow[];
  }
}
