import { describe, expect, it } from 'vitest';
import { chunkDocument, chunkHash, chunkId, splitText } from '../../demo/sinks/chunker.ts';
import { isSluiceError } from '../../src/core/errors.ts';

describe('chunker', () => {
  it('splits at blank lines, trims paragraphs and drops empty ones', () => {
    const text = '  first line\nsame paragraph  \n\n\n second \r\n \t \r\nthird\r\rfourth\n\n   \n';
    expect(splitText(text)).toEqual(['first line\nsame paragraph', 'second', 'third', 'fourth']);
  });

  it('gives the same chunks for text that differs only in blank lines and outer whitespace', () => {
    expect(splitText('a\n\nb')).toEqual(splitText('\n\n  a  \r\n\r\n\r\n b\n'));
  });

  it('cuts a paragraph longer than chunkSize into chunkSize pieces (default 200)', () => {
    const chunks = splitText(`${'x'.repeat(450)}\n\nshort`);
    expect(chunks.map((c) => c.length)).toEqual([200, 200, 50, 5]);
    expect(splitText('abcdefg', { chunkSize: 3 })).toEqual(['abc', 'def', 'g']);
    expect(splitText('x'.repeat(200))).toHaveLength(1);
  });

  it('counts code points, so a cut never splits a surrogate pair', () => {
    const chunks = splitText('😀😀😀😀😀', { chunkSize: 2 });
    expect(chunks).toEqual(['😀😀', '😀😀', '😀']);
  });

  it('returns no chunks for empty or whitespace-only text', () => {
    expect(splitText('')).toEqual([]);
    expect(splitText(' \n\n\t\n ')).toEqual([]);
  });

  it('rejects a chunkSize that is not a positive integer', () => {
    for (const chunkSize of [0, -1, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        splitText('abc', { chunkSize });
      } catch (error) {
        caught = error;
      }
      expect(isSluiceError(caught, 'invalid_options')).toBe(true);
    }
  });

  it('derives chunk ids from document id + position and hashes from the text only', () => {
    expect(chunkId('doc', 3)).toBe('doc#3');
    // SHA-256 of "abc" (FIPS 180-2 test vector).
    expect(chunkHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const chunks = chunkDocument('d', 'same\n\nother\n\nsame');
    expect(chunks.map((c) => c.chunkId)).toEqual(['d#0', 'd#1', 'd#2']);
    expect(chunks.map((c) => c.position)).toEqual([0, 1, 2]);
    expect(chunks[0]!.hash).toBe(chunks[2]!.hash);
    expect(chunks[0]!.hash).not.toBe(chunks[1]!.hash);
    expect(chunks.every((c) => c.documentId === 'd')).toBe(true);
  });

  it('keeps a chunk id when its text is edited (identity is positional, not content-derived)', () => {
    const before = chunkDocument('d', 'one\n\ntwo\n\nthree');
    const after = chunkDocument('d', 'one\n\nTWO\n\nthree');
    expect(after.map((c) => c.chunkId)).toEqual(before.map((c) => c.chunkId));
    expect(after.map((c, i) => c.hash === before[i]!.hash)).toEqual([true, false, true]);
  });
});
