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
 *
 * A dataset of its own (`primary`) has the schema to itself, and its statements name no dataset.
 * An instance (`user/u123`) shares its name's partitioned tables (instance-schema.ts): its rows are
 * those with its dataset_id, so every statement carries the id as its last parameter, `$n`, which
 * the helpers below place. For a dataset of its own they add nothing, so its statements are the
 * ones it always ran. The id is a parameter, never statement text: one prepared statement then
 * serves every instance, where text per instance would grow each connection's statement cache
 * with the number of users.
 */
export class DatasetSchema {
  /** The quoted schema name, ready to put in front of a table. */
  readonly s: string;
  /**
   * The NOTIFY channel on which commits to this dataset are announced: the schema's name. The
   * instances of a name share it, and each payload names its instance (commit-notices.ts).
   */
  readonly channel: string;
  /** What this dataset's advisory locks (document slots, prune) are named after: its schema, or its id within its name's schema. */
  readonly lockName: string;
  /** `dataset_id, ` for an instance: leads an INSERT's column list and an ON CONFLICT target. */
  readonly column: string;

  constructor(
    readonly datasetId: DatasetId,
    readonly sql: Sql,
    readonly schema: string,
    private readonly hooks: StorageTestHooks,
    /** True for an instance in its name's partitioned tables. */
    readonly partitioned = false,
  ) {
    this.s = quoteIdent(schema);
    this.channel = schema;
    this.lockName = partitioned ? `${schema} ${datasetId}` : schema;
    this.column = partitioned ? 'dataset_id, ' : '';
  }

  /** `dataset_id = $n AND ` for an instance: put in front of a statement's condition. */
  and(n: number): string {
    return this.partitioned ? `dataset_id = $${n} AND ` : '';
  }

  /** ` WHERE dataset_id = $n` for an instance: a statement that otherwise reads the whole table. */
  rowsOf(n: number): string {
    return this.partitioned ? ` WHERE dataset_id = $${n}` : '';
  }

  /** `$n::text, ` for an instance: the dataset_id value matching `column` in an INSERT. */
  value(n: number): string {
    return this.partitioned ? `$${n}::text, ` : '';
  }

  /** A statement's parameters, with the instance's id appended as the `$n` the helpers named. */
  args(params: readonly unknown[]): readonly unknown[] {
    return this.partitioned ? [...params, this.datasetId] : params;
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
