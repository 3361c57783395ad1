import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredDocument } from '../../../src/core/document.ts';
import { createEntry, verifyEntryHash, type OplogEntry } from '../../../src/core/oplog-entry.ts';
import { documentsFor, plain } from '../../../src/store/contract/index.ts';
import { headsOf } from '../../../src/store/validation.ts';
import { writeLegacyV0, type LegacyV0Content } from './fixtures/legacy-v0.ts';
import { sqliteStorage, type SqliteLayout } from './better-sqlite3/index.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { chainRange } from '../../../src/store/chain-range.ts';

/** alice wrote 5 puts and pruned the first 2 (boundary at #1); bob wrote a put and a delete. */
function legacyContent(): LegacyV0Content & { alice: OplogEntry[] } {
  const alice: OplogEntry[] = [];
  for (let i = 0; i < 5; i++) {
    alice.push(createEntry({ datasetId: 'primary', collection: 'todos', key: `a${i}`, op: 'put', value: { title: `task ${i}` }, hlc: { wall: 1_000 + i, logic: 0, nodeId: 'alice' }, prevHash: alice.at(-1)?.hash ?? '' }));
  }
  const bobPut = createEntry({ datasetId: 'primary', collection: 'notes', key: 'n1', op: 'put', value: 'hello', hlc: { wall: 1_002, logic: 1, nodeId: 'bob' }, prevHash: '' });
  const bobDelete = createEntry({ datasetId: 'primary', collection: 'notes', key: 'n1', op: 'delete', hlc: { wall: 1_010, logic: 0, nodeId: 'bob' }, prevHash: bobPut.hash });
  const all = [...alice, bobPut, bobDelete];
  const kept = [...alice.slice(2), bobPut, bobDelete];
  return {
    alice,
    documents: documentsFor(all),
    entries: kept,
    heads: [...headsOf(all).values()],
    boundaries: [{ nodeId: 'alice', hlc: alice[1]!.hlc, hash: alice[1]!.hash }],
    peers: [{ peerId: 'hub', address: 'ws://hub.example:8787', active: true, registeredAt: 123 }],
    confirmations: [{ peerId: 'hub', authorId: 'alice', hlc: alice[3]!.hlc, hash: alice[3]!.hash, confirmedAt: 456 }],
    checkpoints: [{ name: 'sink:index', value: { barrier: 3 } }],
  };
}

function byCollectionKey(a: StoredDocument, b: StoredDocument): number {
  return a.collection !== b.collection ? (a.collection < b.collection ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function byHlc(a: OplogEntry, b: OplogEntry): number {
  return a.hlc.wall - b.hlc.wall || a.hlc.logic - b.hlc.logic || (a.hlc.nodeId < b.hlc.nodeId ? -1 : 1);
}

describe.each<SqliteLayout>(['file-per-dataset', 'single-file'])('legacy v0 database (%s)', (layout) => {
  let dir: string;
  let file: string;
  let content: ReturnType<typeof legacyContent>;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
    file = path.join(dir, 'app.db');
    content = legacyContent();
    writeLegacyV0(file, content);
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads every legacy row back as primary and nothing as logs', async () => {
    const store = sqliteStorage({ path: file, layout });
    try {
      const exported = await store.open('primary').snapshots.export();
      expect(exported.documents).toEqual(
        [...content.documents].sort(byCollectionKey).map(plain),
      );
      expect(exported.oplog).toEqual([...content.entries].sort(byHlc));
      expect(exported.oplog.every((e) => e.datasetId === 'primary' && verifyEntryHash(e))).toBe(true);
      expect(exported.heads).toEqual(content.heads);
      expect(exported.boundaries).toEqual(content.boundaries);
      expect(await store.open('primary').documents.get('notes', 'n1')).toMatchObject({ deleted: true, value: null });
      expect((await chainRange(store.open('primary').oplog, content.alice[1]!.hash, content.alice[4]!.hash))?.map((e) => e.key)).toEqual(['a2', 'a3', 'a4']);
      expect(await store.open('primary').confirmations.listPeers()).toEqual(content.peers);
      expect(await store.open('primary').confirmations.confirmations()).toEqual(content.confirmations);
      expect(await store.open('primary').checkpoints.list()).toEqual(content.checkpoints);

      expect(await store.open('logs').documents.list('todos', { includeDeleted: true })).toEqual([]);
      expect(await store.open('logs').oplog.count()).toBe(0);
      expect(await store.open('logs').oplog.heads()).toEqual([]);
      expect(await store.open('logs').oplog.boundaries()).toEqual([]);
      expect(await store.open('logs').confirmations.listPeers()).toEqual([]);
      expect(await store.open('logs').checkpoints.list()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('accepts new writes after the upgrade and keeps them across reopen', async () => {
    const head = content.alice[4]!;
    const next = createEntry({ datasetId: 'primary', collection: 'todos', key: 'a5', op: 'put', value: { title: 'task 5' }, hlc: { wall: 2_000, logic: 0, nodeId: 'alice' }, prevHash: head.hash });
    const logsEntry = createEntry({ datasetId: 'logs', collection: 'lines', key: 'l1', op: 'put', value: 'x', hlc: { wall: 2_001, logic: 0, nodeId: 'alice' }, prevHash: '' });

    const first = sqliteStorage({ path: file, layout });
    expect(await first.open('primary').documents.applyBatch({ documents: documentsFor([next]), entries: [next] })).toEqual({ documentsWritten: 1, entriesInserted: 1 });
    await first.open('logs').documents.applyBatch({ documents: documentsFor([logsEntry]), entries: [logsEntry] });
    await first.open('primary').checkpoints.set('sink:index', { barrier: 4 });
    expect(await first.open('primary').confirmations.confirm('hub', 'alice', next.hlc, next.hash)).toBe(true);
    await first.close();

    const second = sqliteStorage({ path: file, layout });
    try {
      expect(await second.open('primary').oplog.count()).toBe(content.entries.length + 1);
      expect(await second.open('primary').oplog.head('alice')).toEqual({ nodeId: 'alice', hlc: next.hlc, hash: next.hash });
      expect((await chainRange(second.open('primary').oplog, head.hash, next.hash))?.map((e) => e.hash)).toEqual([next.hash]);
      expect((await second.open('primary').documents.get('todos', 'a5'))?.value).toEqual({ title: 'task 5' });
      expect(await second.open('primary').checkpoints.get('sink:index')).toEqual({ barrier: 4 });
      expect((await second.open('logs').oplog.entriesAfter(null)).map((e) => e.hash)).toEqual([logsEntry.hash]);
      expect(await second.open('logs').oplog.getByHash(next.hash)).toBeUndefined();
    } finally {
      await second.close();
    }
  });

  it('rebuilds the tables so that every key leads with dataset_id', async () => {
    const store = sqliteStorage({ path: file, layout });
    await store.open('primary').oplog.count();
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      expect(tables).toEqual(['boundaries', 'checkpoints', 'confirmations', 'documents', 'heads', 'oplog', 'peers']);
      for (const table of tables) {
        const pk = (db.prepare(`SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`).all(table) as { name: string }[]).map((r) => r.name);
        expect(pk[0], table).toBe('dataset_id');
      }
      const indexed = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'oplog' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[];
      for (const { name } of indexed) {
        expect((db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(name) as { name: string }[])[0]?.name, name).toBe('dataset_id');
      }
    } finally {
      db.close();
    }
  });

  it('leaves the legacy file untouched when the upgrade fails', async () => {
    const raw = new Database(file);
    raw.exec('ALTER TABLE checkpoints RENAME COLUMN value TO val');
    raw.close();
    const store = sqliteStorage({ path: file, layout });
    await expect(store.open('primary').documents.get('todos', 'a0')).rejects.toMatchObject({ code: 'storage_failure' });
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      const columns = (db.prepare("SELECT name FROM pragma_table_info('oplog')").all() as { name: string }[]).map((r) => r.name);
      expect(columns).not.toContain('dataset_id');
      expect(db.prepare('SELECT count(*) AS n FROM oplog').get()).toEqual({ n: content.entries.length });
    } finally {
      db.close();
    }
  });

  it('refuses a file written by a newer schema', async () => {
    const raw = new Database(path.join(dir, 'future.db'));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const store = sqliteStorage({ path: path.join(dir, 'future.db'), layout });
    await expect(store.open('primary').oplog.count()).rejects.toMatchObject({ code: 'storage_failure' });
    await store.close();
  });
});

describe('schema version 1 database (before signatures)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gains the signature column in place, keeps every entry, and stores signatures after', async () => {
    const file = path.join(dir, 'v1.db');
    const alice = legacyContent().alice;
    const first = sqliteStorage({ path: file, layout: 'single-file' });
    await first.open('primary').documents.applyBatch({ documents: documentsFor(alice.slice(0, 3)), entries: alice.slice(0, 3) });
    await first.close();
    // What version 1 wrote: the same tables without oplog.signature.
    const raw = new Database(file);
    raw.exec('ALTER TABLE oplog DROP COLUMN signature');
    raw.pragma('user_version = 1');
    raw.close();

    const store = sqliteStorage({ path: file, layout: 'single-file' });
    try {
      expect((await store.open('primary').oplog.entriesByAuthorAfter('alice', null)).map((e) => e.hash)).toEqual(alice.slice(0, 3).map((e) => e.hash));
      const signed = { ...alice[3]!, signature: 'ab'.repeat(96) };
      await store.open('primary').documents.applyBatch({ documents: documentsFor([signed]), entries: [signed] });
      expect((await store.open('primary').oplog.getByHash(signed.hash))?.signature).toBe(signed.signature);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });
});
