import { createRequire } from 'node:module';
import { SluiceError } from '../../../../src/core/errors.ts';
import type { SqliteConnection, SqliteDriver, SqliteRow, SqliteRunResult, SqliteStatement, SqliteValue } from '../driver.ts';

/*
 * The built-in `node:sqlite` module: Deno 2 has it, and so do Node >= 22.5 (behind
 * --experimental-sqlite before 22.13) and Bun. The project type-checks against Node 20 types,
 * which do not declare `node:sqlite`, so the few members used here are declared below, and the
 * module is loaded when the driver is created rather than imported at the top: a static import
 * would fail to type-check on Node 20 types and fail to load on a Node without the module, even
 * for callers that never use this driver. Loading goes through `process.getBuiltinModule`
 * (synchronous, so `nodeSqliteDriver()` stays synchronous like `betterSqlite3Driver()`), with
 * `createRequire` as the fallback for runtimes that lack it.
 */

interface NodeSqliteRunResult {
  readonly changes: number | bigint;
}

interface NodeSqliteStatement {
  run(...params: SqliteValue[]): NodeSqliteRunResult;
  get(...params: SqliteValue[]): unknown;
  all(...params: SqliteValue[]): unknown[];
}

interface NodeSqliteDatabase {
  /** Node >= 22.16, Deno 2, Bun. */
  readonly isTransaction?: boolean;
  exec(sql: string): void;
  prepare(sql: string): NodeSqliteStatement;
  close(): void;
}

interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readonly enableForeignKeyConstraints?: boolean }) => NodeSqliteDatabase;
}

/** Engine errors from node:sqlite carry this code; argument and state errors carry others and pass through. */
const SQLITE_ERROR_CODE = 'ERR_SQLITE_ERROR';

/**
 * A driver over the runtime's built-in `node:sqlite` (`DatabaseSync`): the one to use on Deno, or
 * on Node >= 22.5 to avoid a native dependency. Throws `invalid_options` when the runtime has no
 * `node:sqlite`.
 */
export function nodeSqliteDriver(): SqliteDriver {
  const sqlite = loadNodeSqlite();
  return {
    name: 'node:sqlite',
    open(path: string): SqliteConnection {
      // Foreign keys off, like plain SQLite and better-sqlite3 (node:sqlite turns them on by default).
      return guard(() => new NodeSqliteConnection(new sqlite.DatabaseSync(path, { enableForeignKeyConstraints: false })));
    },
  };
}

function loadNodeSqlite(): NodeSqliteModule {
  let mod: Partial<NodeSqliteModule> | undefined;
  try {
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    mod = (typeof getBuiltin === 'function' ? getBuiltin('node:sqlite') : createRequire(import.meta.url)('node:sqlite')) as Partial<NodeSqliteModule> | undefined;
  } catch (error) {
    throw unavailable(error);
  }
  if (typeof mod?.DatabaseSync !== 'function') throw unavailable(undefined);
  return mod as NodeSqliteModule;
}

function unavailable(cause: unknown): SluiceError {
  return new SluiceError(
    'invalid_options',
    'This runtime has no node:sqlite: use Deno 2, Node >= 22.5 (with --experimental-sqlite before 22.13) or Bun, or choose another SQLite driver (betterSqlite3Driver on Node).',
    undefined,
    cause === undefined ? undefined : { cause },
  );
}

class NodeSqliteConnection implements SqliteConnection {
  /** Fallback for runtimes without `isTransaction`: follows the BEGIN/COMMIT/ROLLBACK this driver runs. */
  private tracked = false;

  constructor(private readonly db: NodeSqliteDatabase) {}

  get inTransaction(): boolean {
    const native = this.db.isTransaction;
    return typeof native === 'boolean' ? native : this.tracked;
  }

  exec(sql: string): void {
    guard(() => this.db.exec(sql));
  }

  prepare(sql: string): SqliteStatement {
    const effect = transactionEffect(sql);
    const stmt = guard(() => this.db.prepare(sql));
    return new NodeSqliteStatement(stmt, effect === undefined ? undefined : () => (this.tracked = effect));
  }

  close(): void {
    guard(() => this.db.close());
  }
}

class NodeSqliteStatement implements SqliteStatement {
  constructor(
    private readonly stmt: NodeSqliteStatement,
    private readonly onRun: (() => void) | undefined,
  ) {}

  run(...params: SqliteValue[]): SqliteRunResult {
    const result = guard(() => this.stmt.run(...params));
    this.onRun?.();
    return { changes: Number(result.changes) };
  }

  get(...params: SqliteValue[]): SqliteRow | undefined {
    // Rows are null-prototype objects; nothing downstream relies on the prototype.
    return (guard(() => this.stmt.get(...params)) ?? undefined) as SqliteRow | undefined;
  }

  all(...params: SqliteValue[]): SqliteRow[] {
    return guard(() => this.stmt.all(...params)) as SqliteRow[];
  }
}

/** Whether running `sql` leaves a transaction open (true), closed (false), or says nothing about it. */
function transactionEffect(sql: string): boolean | undefined {
  const head = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  if (head === 'BEGIN') return true;
  if (head === 'COMMIT' || head === 'END' || head === 'ROLLBACK') return false;
  return undefined;
}

function guard<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw wrap(error);
  }
}

/** Engine errors (busy, full disk, corruption, bad SQL) become storage_failure; anything else is a bug and passes through. */
function wrap(error: unknown): unknown {
  if (error instanceof Error && (error as { code?: unknown }).code === SQLITE_ERROR_CODE) {
    // Node and Bun add the numeric (extended) result code; Deno only has the message.
    const { errcode } = error as { errcode?: unknown };
    const name = typeof errcode === 'number' ? PRIMARY_RESULT_CODES[errcode & 0xff] : undefined;
    return new SluiceError('storage_failure', `SQLite failed: ${error.message}`, name === undefined ? {} : { sqliteCode: name }, { cause: error });
  }
  return error;
}

/** SQLite's primary result codes, so `details.sqliteCode` reads like better-sqlite3's ('SQLITE_BUSY'). */
const PRIMARY_RESULT_CODES: Readonly<Record<number, string>> = {
  1: 'SQLITE_ERROR', 2: 'SQLITE_INTERNAL', 3: 'SQLITE_PERM', 4: 'SQLITE_ABORT', 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 9: 'SQLITE_INTERRUPT', 10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT', 12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 15: 'SQLITE_PROTOCOL', 16: 'SQLITE_EMPTY', 17: 'SQLITE_SCHEMA', 18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT', 20: 'SQLITE_MISMATCH', 21: 'SQLITE_MISUSE', 22: 'SQLITE_NOLFS', 23: 'SQLITE_AUTH', 24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE', 26: 'SQLITE_NOTADB', 27: 'SQLITE_NOTICE', 28: 'SQLITE_WARNING',
};
