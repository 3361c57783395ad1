import { describe, expect, it } from 'vitest';
import { datasetsFromEnv } from 'sluice/cloudflare';

describe('SLUICE_DATASETS', () => {
  it('takes dataset ids and templates, each with an optional kind', () => {
    expect(datasetsFromEnv({ SLUICE_DATASETS: 'primary, logs:append, user/{sub}, team/{team}:documents, audit/{sub}:append' })).toEqual({
      primary: {},
      logs: { kind: 'append' },
      'user/{sub}': {},
      'team/{team}': {},
      'audit/{sub}': { kind: 'append' },
    });
    expect(datasetsFromEnv({})).toEqual({ primary: {} });
  });

  it.each([
    ['a template without a claim placeholder', 'user/{}'],
    ['an id that is not one', 'Primary'],
    ['a template whose name is not a dataset name', 'User/{sub}'],
    ['an unknown kind', 'user/{sub}:telemetry'],
    ['a second colon', 'user/{sub}:append:x'],
  ])('refuses %s with invalid_options naming the variable', (_what, value) => {
    expect(() => datasetsFromEnv({ SLUICE_DATASETS: value })).toThrow(expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ field: 'SLUICE_DATASETS' }) }));
  });
});
