import Database from 'better-sqlite3';
import { SluiceError } from '../../../../src/core/errors.ts';
import type { SqliteConnection, SqliteDriver, SqliteRow, SqliteRunResult, SqliteStatement, SqliteValue } from '../driver.ts';

/** The default driver on Node: better-sqlite3 is synchronous, so one transaction never interleaves with another call. */
export function betterSqlite3Driver(): SqliteDriver {
  return {
    name: 'better-sqlite3',
    open(path: string): SqliteConnection {
      return guard(() => new BetterSqlite3Connection(new Database(path)));
    },
  };
}

class BetterSqlite3Connection implements SqliteConnection {
  constructor(private readonly db: Database.Database) {}

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  exec(sql: string): void {
    guard(() => this.db.exec(sql));
  }

  prepare(sql: string): SqliteStatement {
    return new BetterSqlite3Statement(guard(() => this.db.prepare<SqliteValue[]>(sql)));
  }

  close(): void {
    guard(() => this.db.close());
  }
}

class BetterSqlite3Statement implements SqliteStatement {
  constructor(private readonly stmt: Database.Statement<SqliteValue[]>) {}

  run(...params: SqliteValue[]): SqliteRunResult {
    try {
      return { changes: this.stmt.run(...params).changes };
    } catch (error) {
      throw wrap(error);
    }
  }

  get(...params: SqliteValue[]): SqliteRow | undefined {
    try {
      return this.stmt.get(...params) as SqliteRow | undefined;
    } catch (error) {
      throw wrap(error);
    }
  }

  all(...params: SqliteValue[]): SqliteRow[] {
    try {
      return this.stmt.all(...params) as SqliteRow[];
    } catch (error) {
      throw wrap(error);
    }
  }
}

function guard<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw wrap(error);
  }
}

/** Engine errors (busy, full disk, corruption) become storage_failure; anything else is a bug and passes through. */
function wrap(error: unknown): unknown {
  if (error instanceof Database.SqliteError) {
    return new SluiceError('storage_failure', `SQLite failed: ${error.message}`, { sqliteCode: error.code }, { cause: error });
  }
  return error;
}
