import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketOfHash, floorMod, hashInt32, writerOfBucket } from '../../src/pipeline/sinks/stable-hash.ts';

// Pinned once from this implementation and checked against Python (hashlib.sha256, struct '>i',
// Python's floor-mod %) when they were written. Buckets for n = 1, 2, 3, 7, 128.
const GOLDEN: readonly [key: string, int32: number, buckets: readonly number[]][] = [
  ['', -474954686, [0, 0, 1, 4, 66]],
  ['a', -896040686, [0, 0, 1, 5, 18]],
  ['doc-1', -1156690103, [0, 1, 1, 5, 73]],
  ['doc-2', 1716207668, [0, 0, 2, 0, 52]],
  ['doc_0c7a3f', -1284258063, [0, 1, 0, 3, 113]],
  ['document_id', 713975187, [0, 1, 0, 2, 19]],
  ['hello world', -1186125895, [0, 1, 2, 4, 57]],
  ['ünïcödé', -1332030494, [0, 0, 1, 3, 98]],
  ['🔑', -976792287, [0, 1, 0, 5, 33]],
  ['["notes","doc-1"]', -208107000, [0, 0, 0, 4, 8]],
  ['tenant-42', -149080255, [0, 1, 2, 5, 65]],
  ['x', 762385986, [0, 0, 0, 5, 66]],
];
const SIZES = [1, 2, 3, 7, 128] as const;

/** Independent computation: Node's OpenSSL-backed SHA-256 and Buffer's big-endian int32 reader. */
function nodeInt32(key: string): number {
  return createHash('sha256').update(key, 'utf8').digest().readInt32BE(0);
}

describe('stable hash golden vectors', () => {
  it.each(GOLDEN)('%j → int32 and buckets', (key, int32, buckets) => {
    expect(hashInt32(key)).toBe(int32);
    expect(nodeInt32(key)).toBe(int32);
    expect(SIZES.map((n) => bucketOf(key, n))).toEqual(buckets);
  });

  it('includes negative hash prefixes', () => {
    expect(GOLDEN.filter(([, h]) => h < 0).length).toBeGreaterThanOrEqual(5);
  });

  it('matches Node crypto on generated keys', () => {
    for (let i = 0; i < 500; i++) {
      const key = `doc-${i}-${'é'.repeat(i % 5)}`;
      expect(hashInt32(key)).toBe(nodeInt32(key));
    }
  });

  it('uses floor-mod, not Math.abs, at the int32 extremes', () => {
    const min = -2147483648;
    const max = 2147483647;
    expect(SIZES.map((n) => bucketOfHash(min, n))).toEqual([0, 0, 1, 5, 0]);
    expect(SIZES.map((n) => bucketOfHash(max, n))).toEqual([0, 1, 1, 1, 127]);
    expect(SIZES.map((n) => bucketOfHash(-1, n))).toEqual([0, 1, 2, 6, 127]);
    // Math.abs would put '' (-474954686) in bucket 3 of 7; floor-mod gives 4.
    expect(Math.abs(-474954686) % 7).toBe(3);
    expect(floorMod(-474954686, 7)).toBe(4);
  });

  it('rejects bad bucket counts', () => {
    for (const n of [0, -1, 1.5, 65537, NaN]) {
      expect(() => bucketOf('a', n)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    }
    expect(bucketOf('a', 65536)).toBeGreaterThanOrEqual(0);
  });
});

describe('writerOfBucket', () => {
  it('gives each writer one contiguous range', () => {
    const owners = Array.from({ length: 128 }, (_, b) => writerOfBucket(b, 128, 3));
    expect(owners.filter((w) => w === 0).length).toBe(43);
    expect(owners.filter((w) => w === 1).length).toBe(43);
    expect(owners.filter((w) => w === 2).length).toBe(42);
    for (let b = 1; b < 128; b++) expect(owners[b]! - owners[b - 1]!).toBeGreaterThanOrEqual(0);
    expect(owners[0]).toBe(0);
    expect(owners[127]).toBe(2);
  });

  it('refuses more writers than buckets', () => {
    expect(() => writerOfBucket(0, 4, 5)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => writerOfBucket(8, 8, 2)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
