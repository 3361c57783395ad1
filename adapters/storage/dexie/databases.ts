import { Dexie } from 'dexie';
import { PRIMARY_DATASET, type DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { bucketFactoryFor } from './buckets.ts';
import { declareSchema, SCHEMA_VERSION } from './schema.ts';

export type DexieLayout = 'database-per-dataset' | 'single-database';

/** See DexieStorageOptions.durability. */
export type DexieDurability = 'relaxed' | 'strict';

export interface DatabaseOptions {
  readonly name: string;
  readonly layout: DexieLayout;
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Datasets other than primary in storage buckets of their own, where the browser has them. */
  readonly buckets: boolean;
  readonly durability: DexieDurability;
}

/**
 * The IndexedDB databases behind one adapter, opened on first use. `primary` lives in the
 * database named `name` itself, so a database written before datasets existed upgrades in place.
 */
export class DatasetDatabases {
  private readonly opened = new Map<string, Promise<Dexie>>();

  constructor(private readonly options: DatabaseOptions) {}

  databaseName(datasetId: DatasetId): string {
    const { name, layout } = this.options;
    return layout === 'single-database' || datasetId === PRIMARY_DATASET ? name : `${name}.${datasetId}`;
  }

  get(datasetId: DatasetId): Promise<Dexie> {
    const name = this.databaseName(datasetId);
    let pending = this.opened.get(name);
    if (pending === undefined) {
      const opening = this.factoryFor(name, datasetId).then((indexedDB) => openDatabase(name, indexedDB ? { ...this.options, indexedDB } : this.options, () => this.forget(name, opening)));
      this.opened.set(name, opening);
      // A failed open is forgotten so the next call retries (e.g. once another tab has closed).
      opening.catch(() => this.forget(name, opening));
      pending = opening;
    }
    return pending;
  }

  /** A given factory (tests, fake IndexedDB) is used as it is; otherwise the dataset's bucket, if any. */
  private factoryFor(name: string, datasetId: DatasetId): Promise<IDBFactory | undefined> {
    const { indexedDB, layout, buckets } = this.options;
    if (indexedDB || layout !== 'database-per-dataset' || !buckets) return Promise.resolve(undefined);
    return bucketFactoryFor(this.options.name, name, datasetId, this.options.durability);
  }

  private forget(name: string, opening: Promise<Dexie>): void {
    if (this.opened.get(name) === opening) this.opened.delete(name);
  }

  async closeAll(): Promise<void> {
    const pending = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(pending.map((p) => p.then((db) => db.close(), () => undefined)));
  }
}

async function openDatabase(name: string, options: DatabaseOptions, onClosedByOthers: () => void): Promise<Dexie> {
  // Only the dependencies given: Dexie spreads these over its defaults, so an explicit undefined
  // would replace the browser's global indexedDB with nothing.
  const db = new Dexie(name, {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    // Every readwrite transaction asks for it, so the default bucket behaves as the others whatever
    // the browser's own default (Chromium before 121 flushed every transaction).
    chromeTransactionDurability: options.durability,
  });
  declareSchema(db);
  // Another tab upgrades or deletes the database. Dexie would reopen this connection by itself on
  // the next query; closing it for good makes the next call open afresh, with the checks below.
  db.on('versionchange', () => {
    db.close();
    onClosedByOthers();
  });
  let blocked = false;
  // Waiting for a connection that will not close would hang every call: give up and say why.
  db.on('blocked', () => {
    blocked = true;
    db.close();
  });
  try {
    await db.open();
  } catch (error) {
    throw openFailure(name, error, blocked);
  }
  // Dexie 4 opens a newer database instead of failing with VersionError, and reports the declared
  // version as verno: read the installed one (Dexie stores version × 10, +1 per schema patch).
  const installed = Math.floor(db.backendDB().version / 10);
  if (installed > SCHEMA_VERSION) {
    db.close();
    throw new SluiceError(
      'storage_failure',
      `IndexedDB database "${name}" has schema version ${installed}, newer than the ${SCHEMA_VERSION} this build reads: it was written by a newer version of the app. Update the app, or delete the database to start over.`,
      { database: name, version: installed, supported: SCHEMA_VERSION },
    );
  }
  return db;
}

function openFailure(name: string, error: unknown, blocked: boolean): SluiceError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const advice = blocked
    ? 'another connection (another tab or worker running an older version) keeps it open at an older version. Close other tabs of this app and try again.'
    : `${reason.replace(/\.?$/, '.')} Check that IndexedDB is available (private browsing modes may disable it) and that storage is not full.`;
  return new SluiceError('storage_failure', `Cannot open IndexedDB database "${name}": ${advice}`, { database: name, blocked }, { cause: error });
}

/** Dexie and IndexedDB failures become storage_failure; sluice and caller errors pass through unchanged. */
export function storageFailure(error: unknown, what: string): unknown {
  if (!(error instanceof Dexie.DexieError)) return error;
  const hint =
    error.name === Dexie.errnames.QuotaExceeded
      ? 'the browser refused more storage: free space, or prune the oplog.'
      : error.name === Dexie.errnames.DatabaseClosed || error.name === Dexie.errnames.VersionChange
        ? 'another tab upgraded or deleted the database while this call ran: retry (the next call opens it again).'
        : 'the transaction was rolled back; retry, and report it if it keeps failing.';
  return new SluiceError('storage_failure', `IndexedDB ${what} failed (${error.name}: ${error.message}): ${hint}`, { name: error.name }, { cause: error });
}
