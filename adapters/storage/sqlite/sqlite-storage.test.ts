import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { documentsFor, makeChain, reopenable, runStorageContractTests, type ContractOptions } from '../../../src/store/contract/index.ts';
import { sqliteStorage, type SqliteLayout } from './better-sqlite3/index.ts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
}

/** A fresh directory per instance; reopen closes the current adapter and opens the same files again. */
function onFiles(layout: SqliteLayout) {
  return async ({ hooks, maxPayloadBytes }: ContractOptions) => {
    const dir = tempDir();
    const file = path.join(dir, 'app.db');
    const open = () => sqliteStorage({ path: file, layout, hooks, maxPayloadBytes });
    return reopenable(open, () => fs.rmSync(dir, { recursive: true, force: true }));
  };
}

runStorageContractTests(onFiles('file-per-dataset'), 'sqlite, file per dataset', { durable: true });
runStorageContractTests(onFiles('single-file'), 'sqlite, single file', { durable: true });
runStorageContractTests(async ({ hooks, maxPayloadBytes }) => ({ adapter: sqliteStorage({ path: ':memory:', hooks, maxPayloadBytes }) }), 'sqlite, in memory');

describe('sqlite layout', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function writeBoth(file: string, layout?: SqliteLayout) {
    const adapter = sqliteStorage({ path: file, layout });
    const p = makeChain('alice', 3);
    const l = makeChain('alice', 2, { datasetId: 'logs' });
    await adapter.open('primary').documents.applyBatch({ documents: documentsFor(p), entries: p });
    await adapter.open('logs').documents.applyBatch({ documents: documentsFor(l), entries: l });
    await adapter.close();
  }

  function countIn(file: string): Record<string, number> {
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT dataset_id, count(*) AS n FROM oplog GROUP BY dataset_id ORDER BY dataset_id').all() as { dataset_id: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.dataset_id, r.n]));
    } finally {
      db.close();
    }
  }

  it('puts each dataset in its own WAL-mode file by default', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await writeBoth(path.join(dir, 'app.db'));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.db')).sort()).toEqual(['app.db', 'app.logs.db']);
    expect(countIn(path.join(dir, 'app.db'))).toEqual({ primary: 3 });
    expect(countIn(path.join(dir, 'app.logs.db'))).toEqual({ logs: 2 });
    for (const file of ['app.db', 'app.logs.db']) {
      const db = new Database(path.join(dir, file));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    }
  });

  it('keeps every dataset in one file with the single-file layout', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await writeBoth(path.join(dir, 'app.db'), 'single-file');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.db'))).toEqual(['app.db']);
    expect(countIn(path.join(dir, 'app.db'))).toEqual({ logs: 2, primary: 3 });
  });

  it('names dataset files after the primary file', async () => {
    const { datasetPath } = await import('./paths.ts');
    expect(datasetPath('data/app.db', 'logs')).toBe('data/app.logs.db');
    expect(datasetPath('data/app.db', 'primary')).toBe('data/app.db');
    expect(datasetPath('data/app', 'logs')).toBe('data/app.logs');
    expect(datasetPath('data.d/app', 'logs')).toBe('data.d/app.logs');
    expect(datasetPath('data/.app', 'logs')).toBe('data/.app.logs');
    expect(datasetPath(':memory:', 'logs')).toBe(':memory:');
    expect(datasetPath('data/app.db', 'user/Ann')).toBe('data/app.user@_41nn.db');
  });

  it('gives instances of a dataset a file each, apart even where ids differ only in case', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const adapter = sqliteStorage({ path: path.join(dir, 'app.db') });
    for (const datasetId of ['user/Ann', 'user/ann', 'user/a.b']) {
      const entries = makeChain('alice', datasetId.length, { datasetId });
      await adapter.open(datasetId).documents.applyBatch({ documents: documentsFor(entries), entries });
    }
    await adapter.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.db')).sort()).toEqual(['app.user@_41nn.db', 'app.user@a_2eb.db', 'app.user@ann.db']);
    // Lower-cased, the names are still three: a case-insensitive file system keeps them apart too.
    expect(new Set(fs.readdirSync(dir).map((f) => f.toLowerCase())).size).toBe(fs.readdirSync(dir).length);
    expect(countIn(path.join(dir, 'app.user@_41nn.db'))).toEqual({ 'user/Ann': 8 });
    expect(countIn(path.join(dir, 'app.user@ann.db'))).toEqual({ 'user/ann': 8 });
  });

  it('rejects unusable options with invalid_options', () => {
    expect(() => sqliteStorage({ path: '' })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => sqliteStorage({ path: ':memory:', layout: 'sharded' as never })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => sqliteStorage({ path: ':memory:', synchronous: 'off' as never })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });

  it('reports a database it cannot open as storage_failure, and stays usable for other datasets', async () => {
    const dir = tempDir();
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'app.logs.db')); // a directory where the logs file should be
    const adapter = sqliteStorage({ path: path.join(dir, 'app.db') });
    await expect(adapter.open('logs').oplog.count()).rejects.toMatchObject({ code: 'storage_failure' });
    expect(await adapter.open('primary').oplog.count()).toBe(0);
    await adapter.close();
  });
});
