import postgres, { type Sql } from 'postgres';
import { assertDatasetId, datasetName, type DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import type { CommitNotice, DatasetStore, NodeBroadcast, StorageAdapter, StorageDescriptor, StorageLimits, StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { openScoped, type ScopedPorts } from '../../../src/store/dataset-scoped.ts';
import { assertOpen, resolveMaxPayloadBytes } from '../../../src/store/validation.ts';
import { postgresCheckpointStore } from './checkpoints.ts';
import { CommitChannels } from './commit-channels.ts';
import { postgresBroadcast } from './node-broadcast.ts';
import { postgresConfirmationStore } from './confirmations.ts';
import type { PgContext } from './context.ts';
import { asStorageError, DatasetSchema } from './dataset-schema.ts';
import { postgresDocumentStore } from './documents.ts';
import { ensureInstanceSchema, instanceSchemaName } from './instance-schema.ts';
import { postgresOplogStore } from './oplog.ts';
import { ensureSchema } from './schema.ts';
import { postgresSnapshotStore } from './snapshots.ts';

interface CommonOptions extends StorageLimits {
  /**
   * Each dataset lives in the schema `<schemaPrefix><datasetId>`; the instances of a name
   * (`user/u1`, `user/u2`, …) share the schema `<schemaPrefix><name>/*`, in tables partitioned by
   * dataset. Default 'sluice_'.
   */
  schemaPrefix?: string;
  /** @internal Fault injection for crash tests. */
  hooks?: StorageTestHooks;
}

export interface PostgresUrlOptions extends CommonOptions {
  /** A connection URL, e.g. `postgres://sluice:secret@db.internal:5432/app`. */
  url: string;
  /**
   * Datasets kept on another server, e.g. `{ logs: { url: 'postgres://…/telemetry' } }`: telemetry
   * then never competes with business data for the same database. A name's entry (`user`) also
   * places its instances (`user/u123`), unless an instance has an entry of its own.
   */
  datasets?: Readonly<Record<DatasetId, { readonly url: string }>>;
  /** Connections per server in this adapter's pool. Default 10. */
  maxConnections?: number;
}

export interface PostgresClientOptions extends CommonOptions {
  /**
   * A client the app made with the `postgres` package. The adapter uses it and never ends it.
   * A dataset worker cannot open a client made elsewhere, so datasets over it run with `worker: false`.
   */
  sql: Sql;
}

export type PostgresStorageOptions = PostgresUrlOptions | PostgresClientOptions;

const PREFIX_PATTERN = /^[a-z][a-z0-9_]{0,14}$/;
const DEFAULT_MAX_CONNECTIONS = 10;

/**
 * Storage on PostgreSQL, written by any number of hubs at once (`describe().sharedWriters`). Each
 * dataset is a schema of its own, created on first use; the instances of a name (a dataset per
 * user) share one schema whose tables are partitioned by dataset (instance-schema.ts), so the
 * catalogue does not grow with users. Commits are announced to the other hubs with NOTIFY on the
 * schema's channel (see CommitChannels).
 */
export function postgresStorage(options: PostgresStorageOptions): StorageAdapter {
  return new PostgresStorage(options);
}

class PostgresStorage implements StorageAdapter {
  readonly kind = 'postgres';
  private readonly ports: ScopedPorts;
  private readonly stores = new Map<DatasetId, DatasetStore>();
  private readonly clients = new Map<string, Sql>();
  private readonly schemas = new Map<DatasetId, Promise<DatasetSchema>>();
  /** Instance schemas made or found, per client: one per dataset name, shared by all its instances. */
  private readonly instanceSchemas = new Map<Sql, Map<string, Promise<void>>>();
  private readonly url: string | undefined;
  private readonly datasetUrls: Readonly<Record<DatasetId, { readonly url: string }>>;
  private readonly given: Sql | undefined;
  private readonly prefix: string;
  private readonly maxConnections: number;
  private readonly maxPayloadBytes: number;
  private readonly hooks: StorageTestHooks;
  private readonly writerId = globalThis.crypto.randomUUID();
  private readonly commitChannels = new CommitChannels(this.writerId);
  /**
   * Node-level messages (a revocation) between the hubs over this database, on the default server.
   * The channel holds '*', which no schema name does, so it never meets a dataset's commit channel.
   */
  readonly broadcast: NodeBroadcast;
  private closed = false;

  constructor(options: PostgresStorageOptions) {
    const o = options as Partial<PostgresUrlOptions & PostgresClientOptions> & { datasetsJson?: unknown; describable?: unknown };
    if (o?.describable === false) {
      throw new SluiceError('invalid_options', 'This Postgres storage was made from an app\'s own client ({ sql }), which a dataset worker cannot open: give the dataset worker: false, or make the storage with { url }.');
    }
    if (typeof o !== 'object' || o === null || (typeof o.url !== 'string' && typeof o.sql !== 'function')) {
      throw new SluiceError('invalid_options', 'postgresStorage needs { url: "postgres://user:password@host:5432/db" } or { sql } (a client made with the `postgres` package).');
    }
    if (o.url !== undefined && typeof o.url === 'string' && !/^postgres(ql)?:\/\//.test(o.url)) {
      throw new SluiceError('invalid_options', `postgresStorage: url must start with postgres:// or postgresql://, got ${JSON.stringify(o.url.slice(0, 40))}.`);
    }
    this.prefix = o.schemaPrefix ?? 'sluice_';
    if (typeof this.prefix !== 'string' || !PREFIX_PATTERN.test(this.prefix)) {
      throw new SluiceError('invalid_options', `schemaPrefix must be 1-15 characters of a-z, 0-9 or '_', starting with a letter, got ${JSON.stringify(o.schemaPrefix)}.`);
    }
    this.maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1 || this.maxConnections > 1_000) {
      throw new SluiceError('invalid_options', `maxConnections must be an integer from 1 to 1000, got ${String(o.maxConnections)}.`);
    }
    // A worker receives the per-dataset URLs as JSON text inside its descriptor (see describe()).
    const datasets = typeof o.datasetsJson === 'string' ? (JSON.parse(o.datasetsJson) as unknown) : (o.datasets ?? {});
    this.datasetUrls = checkDatasetUrls(datasets);
    this.url = typeof o.url === 'string' ? o.url : undefined;
    this.given = this.url === undefined ? o.sql : undefined;
    this.maxPayloadBytes = resolveMaxPayloadBytes(o);
    this.hooks = o.hooks ?? {};
    this.broadcast = postgresBroadcast(
      () => {
        // A revoke still running as the node closes must not open a pool nobody ends.
        assertOpen(this.closed, this.kind);
        return this.client(undefined);
      },
      `${this.prefix}*node`,
      this.writerId,
    );
    const ctx: PgContext = { dataset: (id) => this.dataset(id), maxPayloadBytes: this.maxPayloadBytes, writerId: this.writerId };
    this.ports = {
      documents: postgresDocumentStore(ctx),
      oplog: postgresOplogStore(ctx),
      confirmations: postgresConfirmationStore(ctx),
      checkpoints: postgresCheckpointStore(ctx),
      snapshots: postgresSnapshotStore(ctx),
      watchCommits: (datasetId, listener) => this.watchCommits(datasetId, listener),
    };
  }

  open(datasetId: DatasetId): DatasetStore {
    return openScoped(this.ports, this.stores, datasetId);
  }

  /**
   * Other hubs write the same rows: `sharedWriters` tells sync to read heads from here rather than
   * keep them in memory. A worker opens its own pool from the URLs; an app's own client is not
   * described (there is nothing a worker could open it from), so its datasets run on the node's thread.
   */
  describe(): StorageDescriptor {
    const common = { kind: 'postgres', sharedWriters: true, schemaPrefix: this.prefix, maxPayloadBytes: this.maxPayloadBytes };
    if (this.url === undefined) return { ...common, describable: false };
    return { ...common, url: this.url, maxConnections: this.maxConnections, datasetsJson: JSON.stringify(this.datasetUrls) };
  }

  private async watchCommits(datasetId: DatasetId, listener: (notices: readonly CommitNotice[]) => void): Promise<() => Promise<void>> {
    const ds = await this.dataset(datasetId);
    return this.commitChannels.watch(ds, listener, () => this.ports.oplog.heads(datasetId));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const owned = [...this.clients.values()];
    this.clients.clear();
    this.schemas.clear();
    this.instanceSchemas.clear();
    this.stores.clear();
    await this.commitChannels.close(new Set(owned));
    await Promise.all(owned.map((sql) => sql.end({ timeout: 5 })));
  }

  /**
   * Forgets what this adapter keeps per dataset (its bound store, its schema handle), so that a hub
   * letting idle users' datasets go does not keep an entry per user it ever served. Connections are
   * pooled per server, not per dataset: nothing closes. The next call finds everything again; an
   * instance's shared tables are not looked up again.
   */
  async release(datasetId: DatasetId): Promise<void> {
    this.schemas.delete(datasetId);
    this.stores.delete(datasetId);
  }

  private dataset(datasetId: DatasetId): Promise<DatasetSchema> {
    assertOpen(this.closed, this.kind);
    assertDatasetId(datasetId);
    let found = this.schemas.get(datasetId);
    if (found === undefined) {
      const name = datasetName(datasetId);
      const instance = name !== datasetId;
      const sql = this.client(this.datasetUrls[datasetId]?.url ?? (instance ? this.datasetUrls[name]?.url : undefined));
      // An instance shares its name's partitioned tables: a schema per user would not scale, and an
      // id of up to 564 characters would not fit a schema name (63 bytes) anyway.
      const schema = instance ? instanceSchemaName(this.prefix, name, datasetId) : `${this.prefix}${datasetId}`;
      found = (instance ? this.instanceSchema(sql, schema) : ensureSchema(sql, schema)).then(
        () => new DatasetSchema(datasetId, sql, schema, this.hooks, instance),
        (error: unknown) => {
          // Not cached: the next call tries again (the server may be back).
          this.schemas.delete(datasetId);
          throw asStorageError(error, `opening dataset "${datasetId}"`);
        },
      );
      this.schemas.set(datasetId, found);
    }
    return found;
  }

  /** Makes or finds the name's partitioned tables once per client; a failure is not kept, so the next call tries again. */
  private instanceSchema(sql: Sql, schema: string): Promise<void> {
    let ensured = this.instanceSchemas.get(sql);
    if (ensured === undefined) this.instanceSchemas.set(sql, (ensured = new Map()));
    let found = ensured.get(schema);
    if (found === undefined) {
      const made = ensureInstanceSchema(sql, schema);
      made.catch(() => ensured.get(schema) === made && ensured.delete(schema));
      ensured.set(schema, (found = made));
    }
    return found;
  }

  private client(url: string | undefined): Sql {
    if (this.given) return this.given;
    const target = url ?? this.url!;
    let sql = this.clients.get(target);
    if (sql === undefined) {
      // Server notices ("schema already exists, skipping") are not the app's business.
      sql = postgres(target, { max: this.maxConnections, onnotice: () => undefined, connection: { application_name: 'sluice' } });
      this.clients.set(target, sql);
    }
    return sql;
  }
}

function checkDatasetUrls(raw: unknown): Readonly<Record<DatasetId, { readonly url: string }>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SluiceError('invalid_options', 'postgresStorage: datasets must be an object like { logs: { url: "postgres://…" } }.');
  }
  const out: Record<DatasetId, { url: string }> = {};
  for (const [id, value] of Object.entries(raw)) {
    assertDatasetId(id);
    const url = (value as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
      throw new SluiceError('invalid_options', `postgresStorage: datasets.${id}.url must be a postgres:// URL.`);
    }
    out[id] = { url };
  }
  return out;
}
