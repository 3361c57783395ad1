/*
 * Runs the storage contract suite (`runStorageContractTests`, written against vitest) in the
 * browser against dexieStorage on the browser's real IndexedDB, through the vitest stand-in (the
 * page build maps 'vitest' to it). Both layouts, durable (with reopen). Results land on
 * `window.__contract` for the e2e test to read.
 */
import { dexieStorage, type DexieLayout } from 'sluice/dexie';
import { runRegistered } from '../../adapters/storage/sqlite/contract-runtime/vitest-shim.ts';
import { reopenable, runStorageContractTests } from 'sluice/store-contract';

export interface ContractReport {
  done: boolean;
  passed: number;
  failed: number;
  names: string[];
  failures: { name: string; message: string }[];
  fatal?: string;
}

const report: ContractReport = { done: false, passed: 0, failed: 0, names: [], failures: [] };
(window as unknown as { __contract: ContractReport }).__contract = report;

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    // Every connection was closed first; a blocked delete still completes once they are.
    request.onblocked = () => undefined;
  });
}

async function deleteDatabasesStartingWith(prefix: string): Promise<void> {
  const all = await indexedDB.databases();
  await Promise.all(all.map((d) => d.name).filter((n): n is string => !!n && (n === prefix || n.startsWith(`${prefix}.`))).map(deleteDatabase));
}

let seq = 0;
for (const layout of ['database-per-dataset', 'single-database'] as const satisfies readonly DexieLayout[]) {
  runStorageContractTests(
    async ({ hooks, maxPayloadBytes }) => {
      const name = `sluice-contract-${layout}-${++seq}`;
      const open = () => dexieStorage({ name, layout, hooks, ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }) });
      return reopenable(open, () => deleteDatabasesStartingWith(name));
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
  status.textContent = `done: ${passed} passed, ${failed} failed`;
} catch (error) {
  report.fatal = String((error as Error)?.stack ?? error);
  status.textContent = `fatal: ${report.fatal}`;
} finally {
  report.done = true;
}
