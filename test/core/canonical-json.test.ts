import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ z: 1, y: 2 }], é: 'x', A: true })).toBe('{"A":true,"a":[{"y":2,"z":1}],"b":1,"é":"x"}');
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    expect(canonicalJson([-0, 1e21, 0.1, 'a"b\\c\n', '\u2028'])).toBe('[0,1e+21,0.1,"a\\"b\\\\c\\n","\u2028"]');
  });

  it('rejects what JSON cannot carry faithfully', () => {
    for (const bad of [undefined, Number.NaN, Number.POSITIVE_INFINITY, () => 1, Symbol('s'), 1n, new Map(), new Date(0), { a: undefined }]) {
      expect(() => canonicalJson(bad)).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => canonicalJson(cyclic)).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('property: round-trips through JSON.parse and ignores key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});
