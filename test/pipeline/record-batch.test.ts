import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchByteLength, cutCount, encodeRecords, recordSize } from '../../src/pipeline/record-batch.ts';

describe('recordSize', () => {
  it('is exact for records of ASCII strings without escapes, integers, booleans and null', () => {
    const ascii = fc.string({ unit: fc.constantFrom(...'abcXYZ 019-_.:/'.split('')) });
    const leaf = fc.oneof(ascii, fc.integer(), fc.boolean(), fc.constant(null), fc.maxSafeInteger(), fc.maxSafeNat());
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(ascii, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(ascii, value, { maxKeys: 6 }), (record) => {
        expect(recordSize(record)).toBe(JSON.stringify(record).length);
      }),
    );
  });

  it('never serialises: a record whose toJSON would throw is refused by the walk, not by JSON.stringify', () => {
    expect(() => recordSize({ at: new Date(0) })).toThrow(/not a plain object/);
  });
});

describe('encodeRecords', () => {
  it('writes the batch as one JSON array, and refuses what JSON cannot hold with invalid_payload', () => {
    expect(encodeRecords([{ a: 1 }, { b: 'x' }])).toBe('[{"a":1},{"b":"x"}]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeRecords([cyclic])).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
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

  it('estimates a batch as its records plus brackets and commas', () => {
    expect(batchByteLength(12 + 22, 2)).toBe(JSON.stringify([{ a: 'xxxx' }, { b: 'xxxxxxxxxxxxxx' }]).length);
  });
});
