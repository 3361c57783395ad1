import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextDepth } from '../../src/core/json.ts';

/** The definition, one character at a time: strings (with their escapes) skipped, brackets counted. */
function reference(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      max = Math.max(max, ++depth);
    } else if (c === ']' || c === '}') {
      depth--;
    }
  }
  return max;
}

describe('jsonTextDepth', () => {
  it('equals the character-by-character definition on any text of JSON punctuation, escapes included', () => {
    const text = fc.array(fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ',', ':', '\\"', '\\\\'), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(jsonTextDepth(t)).toBe(reference(t));
      }),
      { numRuns: 2_000 },
    );
  });

  it('measures real JSON, brackets inside strings not counted', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonTextDepth(JSON.stringify(v))).toBe(reference(JSON.stringify(v)));
      }),
    );
    expect(jsonTextDepth('{"a":"[[[{{{","b":[[1]]}')).toBe(3);
    expect(jsonTextDepth('"\\"[[["')).toBe(0);
    expect(jsonTextDepth('[' .repeat(100) + ']'.repeat(100))).toBe(100);
  });
});
