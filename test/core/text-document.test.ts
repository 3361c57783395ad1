import { describe, expect, it } from 'vitest';
import { documentFromText, valueTextOf } from '../../src/core/document.ts';
import { lastWriteWins } from '../../src/core/resolvers/last-write-wins.ts';
import { createEntry } from '../../src/core/oplog-entry.ts';

describe('documents built from an entry payload', () => {
  const hlc = { wall: 5, logic: 0, nodeId: 'n1' };

  it('carry the checked text for storage and parse the value once, on first read', () => {
    const doc = documentFromText('todos', 'a', '{"n":1,"list":[1,"two"]}', hlc);
    expect(valueTextOf(doc)).toBe('{"n":1,"list":[1,"two"]}');
    const first = doc.value;
    expect(first).toEqual({ n: 1, list: [1, 'two'] });
    expect(doc.value).toBe(first);
    expect([doc.collection, doc.key, doc.hlc, doc.deleted]).toEqual(['todos', 'a', hlc, false]);
  });

  it('serialise to JSON with their value', () => {
    const doc = documentFromText('todos', 'a', '{"n":1}', hlc);
    expect(JSON.parse(JSON.stringify(doc))).toEqual({ collection: 'todos', key: 'a', value: { n: 1 }, hlc, deleted: false });
  });

  it('are what last-write-wins resolves a put to; a plain document or a copy carries no text', () => {
    const put = lastWriteWins.fromEntry(createEntry({ collection: 'todos', key: 'a', op: 'put', value: { b: 2, a: 1 }, hlc, prevHash: '' }));
    expect(valueTextOf(put)).toBe('{"a":1,"b":2}');
    expect(put.value).toEqual({ a: 1, b: 2 });
    // A copy may have been changed, so storage serialises it afresh rather than trusting the text.
    expect(valueTextOf({ ...put, value: { a: 3 } })).toBeUndefined();
    const del = lastWriteWins.fromEntry(createEntry({ collection: 'todos', key: 'a', op: 'delete', hlc: { ...hlc, wall: 6 }, prevHash: '' }));
    expect([del.deleted, del.value, valueTextOf(del)]).toEqual([true, null, undefined]);
  });
});
