import { SluiceError } from '../../../src/core/errors.ts';
import type { SqliteConnection, SqliteDriver, SqliteLimits, SqliteRow, SqliteRunResult, SqliteStatement, SqliteValue } from '../sqlite/driver.ts';

/*
 * The few members of a Durable Object's storage this driver uses, declared here so that the
 * project needs no @cloudflare/workers-types: `ctx.storage` of a class declared under
 * `new_sqlite_classes` satisfies them.
 */

export type SqlStorageValue = ArrayBuffer | string | number | null;

export interface SqlStorageCursor {
  toArray(): Record<string, SqlStorageValue>[];
}

export interface SqlStorage {
  exec(query: string, ...bindings: unknown[]): SqlStorageCursor;
}

export interface DurableObjectStorage {
  readonly sql: SqlStorage;
  transactionSync<T>(closure: () => T): T;
}

/*
 * The platform's documented limits. Measured in workerd, SQL text fails just under 100,000 bytes
 * and rows above about 2.2 MB; the row limit stays at the documented 2 MB so that what works
 * locally also works deployed.
 */
export const DURABLE_OBJECT_LIMITS: SqliteLimits = { parameters: 100, sqlBytes: 99_000, rowBytes: 2_000_000 };

/**
 * A SqliteDriver over a Durable Object's own database. `open` ignores the path: an object has
 * exactly one database, which the platform persists, journals and locks by itself, so the session
 * sets no PRAGMAs and runs its transactions through `transactionSync`.
 */
export function durableObjectDriver(storage: DurableObjectStorage): SqliteDriver {
  return {
    name: 'durable-object',
    pragmas: false,
    limits: DURABLE_OBJECT_LIMITS,
    open: () => new DurableObjectConnection(storage),
  };
}

class DurableObjectConnection implements SqliteConnection {
  private depth = 0;

  constructor(private readonly storage: DurableObjectStorage) {}

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  exec(sql: string): void {
    rows(this.storage.sql, sql, []);
  }

  /* There is nothing to prepare: each run sends the SQL text again, and the platform caches it. */
  prepare(sql: string): SqliteStatement {
    assertSqlFits(sql);
    return new DurableObjectStatement(this.storage.sql, sql);
  }

  transaction<T>(body: () => T): T {
    // The body's own errors (a test hook, a SluiceError) pass through as they are; only a failure
    // of the platform itself, such as the commit, becomes storage_failure.
    let failed = false;
    this.depth++;
    try {
      return this.storage.transactionSync(() => {
        try {
          return body();
        } catch (error) {
          failed = true;
          throw error;
        }
      });
    } catch (error) {
      throw failed ? error : wrap(error);
    } finally {
      this.depth--;
    }
  }

  /* The object owns its database: closing an adapter leaves it to the next one opened on ctx.storage. */
  close(): void {}
}

class DurableObjectStatement implements SqliteStatement {
  constructor(
    private readonly sql: SqlStorage,
    private readonly text: string,
  ) {}

  run(...params: SqliteValue[]): SqliteRunResult {
    rows(this.sql, this.text, params);
    // Not the cursor's rowsWritten: that also counts index rows, so an upsert of one document reads as several.
    return { changes: Number(rows(this.sql, 'SELECT changes() AS n', [])[0]?.n ?? 0) };
  }

  get(...params: SqliteValue[]): SqliteRow | undefined {
    return rows(this.sql, this.text, params)[0];
  }

  all(...params: SqliteValue[]): SqliteRow[] {
    return rows(this.sql, this.text, params);
  }
}

/* Read to the end even when the caller wants no rows: the cursor steps the statement lazily, and an error may come from any step. */
function rows(sql: SqlStorage, text: string, params: readonly SqliteValue[]): SqliteRow[] {
  if (params.length > DURABLE_OBJECT_LIMITS.parameters) {
    throw new SluiceError('storage_failure', `A statement with ${params.length} bound values exceeds the ${DURABLE_OBJECT_LIMITS.parameters} a Durable Object allows.`, { parameters: params.length });
  }
  const bindings = params.map(binding);
  try {
    // No blob column exists, so no ArrayBuffer comes back.
    return sql.exec(text, ...bindings).toArray() as SqliteRow[];
  } catch (error) {
    throw wrap(error);
  }
}

/* The platform binds numbers as doubles and throws on a bigint, so a bigint is only taken when no precision is lost. */
function binding(value: SqliteValue): string | number | null {
  if (typeof value !== 'bigint') return value;
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new SluiceError('storage_failure', `The integer ${value} cannot be stored in a Durable Object's SQLite, which binds numbers as doubles: only integers within ±(2^53 - 1) can be.`, { value: String(value) });
}

function assertSqlFits(sql: string): void {
  const limit = DURABLE_OBJECT_LIMITS.sqlBytes;
  if (sql.length * 3 <= limit) return;
  const bytes = new TextEncoder().encode(sql).length;
  if (bytes > limit) throw new SluiceError('storage_failure', `A statement of ${bytes} bytes of SQL exceeds the ${limit} a Durable Object allows.`, { sqlBytes: bytes });
}

/*
 * The platform throws plain Errors whose message ends in the result code ("...: SQLITE_CONSTRAINT").
 * Too big a row or string is the caller's data, not a storage fault, so it reads as payload_too_large.
 */
function wrap(error: unknown): unknown {
  if (error instanceof SluiceError || !(error instanceof Error)) return error;
  const sqliteCode = /\b(SQLITE_[A-Z]+)\b/.exec(error.message)?.[1];
  if (sqliteCode === 'SQLITE_TOOBIG' && /too big/.test(error.message)) {
    return new SluiceError('payload_too_large', `A row is over the 2 MB a Durable Object stores in one row (indexes included: an indexed field is stored again next to the value): ${error.message}`, { sqliteCode }, { cause: error });
  }
  return new SluiceError('storage_failure', `SQLite failed: ${error.message}`, sqliteCode === undefined ? {} : { sqliteCode }, { cause: error });
}
