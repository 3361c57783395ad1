/*
 * Runs the storage contract suite (`runStorageContractTests`, written against vitest) in the
 * browser against dexieStorage on the browser's real IndexedDB, through the vitest stand-in (the
 * page build maps 'vitest' to it). Both layouts, durable (with reopen). Results land on
 * `window.__contract` for the e2e test to read.
 */
import { deleteDexieStorage, dexieStorage, type DexieLayout } from 'sluice/dexie/engine';
import { runRegistered } from '../../adapters/storage/sqlite/contract-runtime/vitest-shim.ts';
import { reopenable, runStorageContractTests } from 'sluice/store-contract';

export interface ContractReport {
  done: boolean;
  passed: number;
  failed: number;
  names: string[];
  failures: { name: string; message: string }[];
  fatal?: string;
  /** Where datasets' databases live (Storage Buckets), checked after the suite. */
  buckets?: BucketReport;
}

export interface BucketReport {
  readonly api: boolean;
  /** A new dataset's database: in its own bucket, not in the default one. */
  readonly inOwnBucket: boolean;
  readonly inDefaultBucket: boolean;
  /** primary stays in the default bucket. */
  readonly primaryInDefault: boolean;
  /** The durability readwrite transactions ran with: by default, and with durability: 'relaxed'. */
  readonly durability: readonly [string[], string[]];
  /** A dataset database written before buckets were used is still read from the default bucket. */
  readonly legacyValue: unknown;
  /** After deleteDexieStorage: nothing of either storage is left. */
  readonly leftAfterDelete: string[];
}

interface StorageBucketsApi {
  keys(): Promise<string[]>;
}

const report: ContractReport = { done: false, passed: 0, failed: 0, names: [], failures: [] };
(window as unknown as { __contract: ContractReport }).__contract = report;

let seq = 0;
for (const layout of ['database-per-dataset', 'single-database'] as const satisfies readonly DexieLayout[]) {
  runStorageContractTests(
    async ({ hooks, maxPayloadBytes }) => {
      const name = `sluice-contract-${layout}-${++seq}`;
      const open = () => dexieStorage({ name, layout, hooks, ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }) });
      return reopenable(open, () => deleteDexieStorage({ name }));
    },
    `dexie on IndexedDB (${layout})`,
    { durable: true },
  );
}

const status = document.getElementById('status')!;
const list = document.getElementById('failures')!;
try {
  const { passed, failed } = await runRegistered((outcome) => {
    report.names.push(outcome.name);
    if (outcome.error !== undefined) {
      const message = outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : String(outcome.error);
      report.failures.push({ name: outcome.name, message });
      const item = document.createElement('li');
      item.textContent = `${outcome.name}: ${message}`;
      list.append(item);
    }
    status.textContent = `running… ${report.names.length} done`;
  });
  report.passed = passed;
  report.failed = failed;
  report.buckets = await checkBuckets();
  status.textContent = `done: ${passed} passed, ${failed} failed`;
} catch (error) {
  report.fatal = String((error as Error)?.stack ?? error);
  status.textContent = `fatal: ${report.fatal}`;
} finally {
  report.done = true;
}

async function checkBuckets(): Promise<BucketReport> {
  const buckets = (navigator as unknown as { storageBuckets?: StorageBucketsApi }).storageBuckets;
  const defaultNames = async () => (await indexedDB.databases()).map((d) => d.name);
  const fresh = dexieStorage({ name: 'bucket-check' });
  await fresh.open('logs').checkpoints.set('k', 1);
  await fresh.open('primary').checkpoints.set('k', 1);
  await fresh.close();
  const durability = [await writeDurabilities('strict-check', {}), await writeDurabilities('relaxed-check', { durability: 'relaxed' })] as const;
  const legacyWriter = dexieStorage({ name: 'legacy-check', buckets: false });
  await legacyWriter.open('logs').checkpoints.set('k', 'written before buckets');
  await legacyWriter.close();
  const legacyReader = dexieStorage({ name: 'legacy-check' });
  const legacyValue = await legacyReader.open('logs').checkpoints.get('k');
  await legacyReader.close();
  const keys = (await buckets?.keys()) ?? [];
  const names = await defaultNames();
  const result = {
    api: buckets !== undefined,
    inOwnBucket: keys.includes('sluice-bucket_002dcheck-logs'),
    inDefaultBucket: names.includes('bucket-check.logs'),
    primaryInDefault: names.includes('bucket-check'),
    durability,
    legacyValue,
  };
  await deleteDexieStorage({ name: 'bucket-check' });
  await deleteDexieStorage({ name: 'legacy-check' });
  await deleteDexieStorage({ name: 'strict-check' });
  await deleteDexieStorage({ name: 'relaxed-check' });
  const left = [...((await buckets?.keys()) ?? []), ...(await defaultNames())].filter((n): n is string => !!n && /check/.test(n));
  return { ...result, leftAfterDelete: left };
}

/** The distinct durabilities of the readwrite transactions a storage ran writing to primary and logs (its own bucket). */
async function writeDurabilities(name: string, options: { durability?: 'relaxed' | 'strict' }): Promise<string[]> {
  const seen = new Set<string>();
  const original = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = original.apply(this, args);
    if (tx.mode === 'readwrite') seen.add(tx.durability);
    return tx;
  } as IDBDatabase['transaction'];
  try {
    const storage = dexieStorage({ name, ...options });
    await storage.open('primary').checkpoints.set('k', 1);
    await storage.open('logs').checkpoints.set('k', 1);
    await storage.close();
  } finally {
    IDBDatabase.prototype.transaction = original;
  }
  return [...seen].sort();
}
