import { describe, expect, it } from 'vitest';
import { instancesFor, isInstanceOf, isTemplatePattern, parseTemplate } from '../../src/core/dataset-template.ts';

describe('dataset templates', () => {
  it('fill their placeholders from claims: a string, or each string of an array', () => {
    const user = parseTemplate('user/{sub}');
    const board = parseTemplate('board/{team}/main');
    expect(instancesFor(user, { sub: 'u123' })).toEqual(['user/u123']);
    expect(instancesFor(board, { team: ['acme', 'Beta', 42, 'no way', '../x'] })).toEqual(['board/acme/main', 'board/Beta/main']);
    expect(instancesFor(user, {})).toEqual([]);
    expect(instancesFor(user, { sub: { nested: true } })).toEqual([]);
    // A value holding '/' would reach into other datasets (board/acme/main is another team's): none.
    expect(instancesFor(parseTemplate('board/{team}'), { team: ['acme/main', 'ok'] })).toEqual(['board/ok']);
  });

  it('make at most 1,000 datasets for one token', () => {
    const pair = parseTemplate('pair/{a}/{b}');
    const many = Array.from({ length: 1_000 }, (_, i) => `v${i}`);
    expect(instancesFor(pair, { a: many, b: many })).toHaveLength(1_000);
  });

  it('recognise their instances, and nothing else', () => {
    const board = parseTemplate('board/{team}/main');
    expect(isInstanceOf(board, 'board/acme/main')).toBe(true);
    expect(['board/acme', 'board/acme/other', 'boards/acme/main', 'board/acme/main/x'].some((id) => isInstanceOf(board, id))).toBe(false);
    expect([isTemplatePattern('user/{sub}'), isTemplatePattern('user/u1')]).toEqual([true, false]);
  });

  it('refuse a pattern that is not one, naming the option', () => {
    for (const pattern of ['user/{}', 'user', 'User/{sub}', 'user/{s-b}', 'user/{sub}/{a}/{b}/{c}/{d}', 'user/a b/{sub}', '{sub}']) {
      expect(() => parseTemplate(pattern)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: `datasets.${pattern}` } }));
    }
  });
});
