import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertEntry, computeEntryHash, createEntry, entryHashInput, verifyEntryHash } from '../../src/core/oplog-entry.ts';

/*
 * Golden vectors. These hashes are part of the wire contract: every runtime and every future
 * version must produce them byte for byte. If one changes, peers stop accepting each other's chains.
 */
const GOLDEN = {
  put: '182625fe3ceae86f1d4d1611b2555a5fa5ec298270dc5b8adcb675a4d175a0fa',
  delete: '4fde55715332c09c683b97f4914cda3e6fb1091c1b53916dd597134809e02e2b',
  logsPut: '943a792c106856677349b23100b42fe87a93c33e91e561cfaa0420176c7d93e2',
  unicode: '22d8fadbb729a76912768e4ddb8deb2b81daab7de3da52b0491a3eca0fe09a34',
};

const putInput = {
  collection: 'todos',
  key: 'todo-1',
  op: 'put' as const,
  value: { title: 'Buy milk', done: false, tags: ['home', 'errand'] },
  hlc: { wall: 1700000000000, logic: 0, nodeId: 'node-a' },
  prevHash: '',
};

describe('oplog entry hash', () => {
  it('matches the golden vector for a put, with the canonical payload and hash input', () => {
    const e = createEntry(putInput);
    expect(e.datasetId).toBe('primary');
    expect(e.payload).toBe('{"done":false,"tags":["home","errand"],"title":"Buy milk"}');
    expect(entryHashInput(e)).toBe(
      '["sluice-oplog/1","primary","todos","todo-1","put",1700000000000,0,"node-a","aaa63017f732e4e043fbbf3158c33a8258baed1b0978a0abddea49f2d44883bc",""]',
    );
    expect(e.hash).toBe(GOLDEN.put);
  });

  it('agrees with an independent SHA-256 (node:crypto) over the documented encoding', () => {
    const e = createEntry(putInput);
    const payloadDigest = createHash('sha256').update(e.payload!, 'utf8').digest('hex');
    const input = JSON.stringify(['sluice-oplog/1', 'primary', 'todos', 'todo-1', 'put', 1700000000000, 0, 'node-a', payloadDigest, '']);
    expect(createHash('sha256').update(input, 'utf8').digest('hex')).toBe(GOLDEN.put);
  });

  it('matches the golden vector for a delete that links to the put', () => {
    const e = createEntry({ collection: 'todos', key: 'todo-1', op: 'delete', hlc: { wall: 1700000000500, logic: 3, nodeId: 'node-a' }, prevHash: GOLDEN.put });
    expect(e.payload).toBeNull();
    expect(e.hash).toBe(GOLDEN.delete);
  });

  it('includes the dataset id: the same change in logs hashes differently', () => {
    const e = createEntry({ ...putInput, datasetId: 'logs', collection: 'app', key: 'log-1' });
    expect(e.hash).toBe(GOLDEN.logsPut);
    expect(createEntry({ ...putInput, datasetId: 'logs' }).hash).not.toBe(GOLDEN.put);
  });

  it('hashes the same logical payload the same whatever the key order', () => {
    const reordered = createEntry({ ...putInput, value: { tags: ['home', 'errand'], title: 'Buy milk', done: false } });
    expect(reordered.hash).toBe(GOLDEN.put);
  });

  it('pins non-ASCII keys, number formatting and a non-empty prevHash', () => {
    const e = createEntry({
      collection: 'notes',
      key: 'ключ 🔑',
      op: 'put',
      value: { text: 'Grüße', n: -0.5, big: 1e21, nil: null },
      hlc: { wall: 1, logic: 2, nodeId: 'n.b_c~d' },
      prevHash: 'a'.repeat(64),
    });
    expect(e.payload).toBe('{"big":1e+21,"n":-0.5,"nil":null,"text":"Grüße"}');
    expect(e.hash).toBe(GOLDEN.unicode);
  });

  it('detects tampering with any field, payload included', () => {
    const e = createEntry(putInput);
    expect(verifyEntryHash(e)).toBe(true);
    expect(verifyEntryHash({ ...e, payload: '{"done":true,"tags":["home","errand"],"title":"Buy milk"}' })).toBe(false);
    expect(verifyEntryHash({ ...e, key: 'todo-2' })).toBe(false);
    expect(verifyEntryHash({ ...e, datasetId: 'logs' })).toBe(false);
    expect(verifyEntryHash({ ...e, hlc: { ...e.hlc, logic: 1 } })).toBe(false);
    expect(verifyEntryHash({ ...e, prevHash: 'b'.repeat(64) })).toBe(false);
  });

  it('keeps one chain per author: each entry links to the previous hash', () => {
    const first = createEntry(putInput);
    const second = createEntry({ ...putInput, hlc: { ...putInput.hlc, logic: 1 }, prevHash: first.hash });
    expect(second.prevHash).toBe(first.hash);
    expect(computeEntryHash(second)).toBe(second.hash);
  });
});

describe('oplog entry validation', () => {
  it('rejects bad input with typed codes', () => {
    expect(() => createEntry({ ...putInput, datasetId: 'Bad' })).toThrow(expect.objectContaining({ code: 'invalid_dataset_id' }));
    expect(() => createEntry({ ...putInput, key: '' })).toThrow(expect.objectContaining({ code: 'invalid_key' }));
    expect(() => createEntry({ ...putInput, value: undefined })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(() => createEntry({ ...putInput, value: { when: new Date() } })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(() => createEntry({ ...putInput, prevHash: 'nope' })).toThrow(expect.objectContaining({ code: 'invalid_entry' }));
    expect(() => createEntry({ ...putInput, hlc: { wall: 1.5, logic: 0, nodeId: 'a' } })).toThrow(expect.objectContaining({ code: 'invalid_timestamp' }));
  });

  it('reads an entry without a dataset id as primary', () => {
    const { datasetId: _omit, ...legacy } = createEntry(putInput);
    expect(assertEntry(legacy).datasetId).toBe('primary');
    expect(verifyEntryHash(assertEntry(legacy))).toBe(true);
  });
});
