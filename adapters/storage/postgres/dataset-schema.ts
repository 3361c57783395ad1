import type { Sql, TransactionSql } from 'postgres';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import type { StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { quoteIdent } from './schema.ts';

export type Params = readonly unknown[];
export type Query = (text: string, params?: Params) => Promise<readonly Record<string, unknown>[]>;

/* Deadlock and serialization failures: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/**
 * One dataset's schema on one server: where its statements go, and how its writes run. Statement
 * text names the schema, so each is prepared once per connection and reused.
 */
export class DatasetSchema {
  /** The quoted schema name, ready to put in front of a table. */
  readonly s: string;
  /** The NOTIFY channel on which commits to this dataset are announced. */
  readonly channel: string;

  constructor(
    readonly datasetId: DatasetId,
    readonly sql: Sql,
    readonly schema: string,
    private readonly hooks: StorageTestHooks,
  ) {
    this.s = quoteIdent(schema);
    this.channel = schema;
  }

  /** A statement outside any transaction. */
  readonly query: Query = (text, params = []) => this.sql.unsafe(text, params as never[], { prepare: true }) as unknown as Promise<Record<string, unknown>[]>;

  /** A statement whose text comes from an app's query: not kept prepared, so varied queries cannot grow the server's statement cache. */
  readonly queryOnce: Query = (text, params = []) => this.sql.unsafe(text, params as never[], { prepare: false }) as unknown as Promise<Record<string, unknown>[]>;

  /**
   * Runs `work` in one transaction and commits it. The test hook runs after every write, right
   * before commit, and throwing from it rolls everything back. A transaction that lost a deadlock
   * or serialization race ran without effect and is tried again.
   */
  async write<T>(operation: string, work: (query: Query) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.sql.begin(async (tx: TransactionSql) => {
          const query: Query = (text, params = []) => tx.unsafe(text, params as never[], { prepare: true }) as unknown as Promise<Record<string, unknown>[]>;
          const result = await work(query);
          this.hooks.beforeCommit?.(operation);
          return result;
        })) as T;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        throw asStorageError(error, operation);
      }
    }
  }
}

/** Server errors become SluiceErrors with a code to act on; ours pass through unchanged. */
export function asStorageError(error: unknown, operation: string): unknown {
  if (error instanceof SluiceError) return error;
  const e = error as { code?: string; message?: string };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new SluiceError('storage_failure', `PostgreSQL refused ${operation} (SQLSTATE ${e.code}): ${e.message ?? 'no message'}. Nothing of it was committed.`, { sqlstate: e.code, operation }, { cause: error });
  }
  if (typeof e?.code === 'string' && /^(ECONNREFUSED|ECONNRESET|CONNECTION_|ENOTFOUND|ETIMEDOUT)/.test(e.code)) {
    return new SluiceError('storage_failure', `PostgreSQL could not be reached during ${operation} (${e.code}): check the URL and that the server is up. Nothing of it was committed.`, { operation, reason: e.code }, { cause: error });
  }
  return error;
}
