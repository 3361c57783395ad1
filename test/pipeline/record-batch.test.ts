import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchByteLength, batchText, cutCount, encodeBatchText, recordJson, utf8ByteLength } from '../../src/pipeline/record-batch.ts';

const encoder = new TextEncoder();

describe('utf8ByteLength', () => {
  it('matches TextEncoder for any UTF-16 string, lone surrogates included', () => {
    const anyCodeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), anyCodeUnits), (text) => {
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 500 },
    );
  });

  it('counts 1, 2, 3 and 4 byte characters', () => {
    expect([utf8ByteLength('a'), utf8ByteLength('é'), utf8ByteLength('€'), utf8ByteLength('😀'), utf8ByteLength('\ud800')]).toEqual([1, 2, 3, 4, 3]);
  });
});

describe('recordJson', () => {
  it('returns exactly what JSON.stringify writes for valid records', () => {
    const json = fc.jsonValue().filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    fc.assert(
      fc.property(json, (record) => {
        expect(recordJson(record)).toBe(JSON.stringify(record));
      }),
    );
  });
});

describe('batch cutting and encoding', () => {
  it('cuts at the record count, at the byte bound and at sequence gaps', () => {
    const sizes = [10, 10, 10, 10, 10];
    expect(cutCount(sizes, undefined, 0, 5, 3, 1000)).toBe(3);
    // [a,b,c] = 2 + 30 + 2 = 34 bytes; a fourth would make 45
    expect(cutCount(sizes, undefined, 0, 5, 10, 44)).toBe(3);
    expect(cutCount(sizes, undefined, 0, 5, 10, 45)).toBe(4);
    expect(cutCount(sizes, [0, 1, 5, 6, 7], 0, 5, 10, 1000)).toBe(2);
    expect(cutCount(sizes, [0, 1, 5, 6, 7], 2, 5, 10, 1000)).toBe(3);
  });

  it('encodes [json,json] with the length batchByteLength predicts', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.nat(), s: fc.string({ unit: 'binary' }) }), { minLength: 1, maxLength: 10 }), (records) => {
        const jsons = records.map((r) => JSON.stringify(r));
        const text = batchText(jsons, 0, jsons.length);
        const batch = encodeBatchText(text, jsons.length, 7);
        expect(JSON.parse(new TextDecoder().decode(batch.bytes))).toEqual(records);
        const recordBytes = jsons.reduce((sum, j) => sum + utf8ByteLength(j), 0);
        expect(batch.bytes.length).toBe(batchByteLength(recordBytes, jsons.length));
        expect(batch).toMatchObject({ count: records.length, firstSeq: 7 });
      }),
    );
  });
});
