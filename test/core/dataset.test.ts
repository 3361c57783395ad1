import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertDatasetId, datasetFileName, datasetName, normalizeDatasetId } from '../../src/core/dataset-id.ts';
import { datasetDefaults, resolveDatasetOptions } from '../../src/core/dataset-options.ts';

describe('DatasetId', () => {
  it('accepts short safe identifiers', () => {
    for (const id of ['primary', 'logs', 'timeseries', 'a', 'tenant_42-eu']) expect(assertDatasetId(id)).toBe(id);
  });

  it('accepts instances of a dataset: a name and up to 4 segments of app ids, case kept', () => {
    for (const id of ['user/u123', 'user/Ann', 'team/acme/board-7', 'user/a.b_c~d-e', 'x/1/2/3/4', `user/${'A'.repeat(128)}`, 'user/..']) expect(assertDatasetId(id)).toBe(id);
    expect([datasetName('user/u123'), datasetName('team/acme/board-7'), datasetName('logs')]).toEqual(['user', 'team', 'logs']);
  });

  it('rejects anything that is not safe as a file name and key, with a message that says what to use', () => {
    for (const id of ['', 'Logs', '1logs', 'a b', '../x', 'a.b', 'x'.repeat(49), 'user/', 'user//x', 'User/x', 'user/a b', 'user/a\\b', 'user/é', `user/${'a'.repeat(129)}`, 'x/1/2/3/4/5', '/x', null, 42]) {
      expect(() => assertDatasetId(id)).toThrow(expect.objectContaining({ code: 'invalid_dataset_id', message: expect.stringContaining('a-z') }));
    }
  });

  it('names a file the same on every file system: one component, lower case, injective even ignoring case', () => {
    expect(['logs', 'user/u123', 'user/Ann', 'user/a.b_c', 'team/acme/board-7'].map(datasetFileName)).toEqual(['logs', 'user@u123', 'user@_41nn', 'user@a_2eb_5fc', 'team@acme@board-7']);
    const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
    const id = fc.tuple(fc.constantFrom('user', 'team', 'logs'), fc.array(segment, { minLength: 0, maxLength: 3 })).map(([name, segments]) => [name, ...segments].join('/'));
    fc.assert(
      fc.property(id, id, (a, b) => {
        const [fa, fb] = [datasetFileName(a), datasetFileName(b)];
        expect(fa).toMatch(/^[a-z0-9_~@-]+$/);
        if (a !== b) expect(fa.toLowerCase()).not.toBe(fb.toLowerCase());
      }),
      { numRuns: 2_000 },
    );
    // The pairs a case-insensitive file system would confuse: the same id with segments' case flipped.
    const flip = (text: string) => text.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
    fc.assert(
      fc.property(id, (a) => {
        const b = a.split('/').map((part, i) => (i === 0 ? part : flip(part))).join('/');
        if (a !== b) expect(datasetFileName(a).toLowerCase()).not.toBe(datasetFileName(b).toLowerCase());
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads a missing or empty id as primary', () => {
    expect(normalizeDatasetId(undefined)).toBe('primary');
    expect(normalizeDatasetId(null)).toBe('primary');
    expect(normalizeDatasetId('')).toBe('primary');
    expect(normalizeDatasetId('logs')).toBe('logs');
  });
});

describe('DatasetOptions', () => {
  it('fills defaults by kind', () => {
    expect(resolveDatasetOptions('primary')).toEqual(datasetDefaults('documents'));
    const logs = resolveDatasetOptions('logs', { kind: 'append', syncInterval: 250 });
    expect(logs).toMatchObject({ kind: 'append', syncInterval: 250, maxEntriesPerCycle: datasetDefaults('append').maxEntriesPerCycle });
    // Telemetry yields the cores to business data unless told otherwise.
    expect([resolveDatasetOptions('primary').priority, logs.priority]).toEqual(['normal', 'background']);
    expect(resolveDatasetOptions('logs', { kind: 'append', priority: 'normal' }).priority).toBe('normal');
  });

  it('parses plain JSON config', () => {
    const parsed = resolveDatasetOptions('timeseries', JSON.parse('{"kind":"append","retention":{"maxAgeMs":3600000,"maxBytes":1048576},"enabled":false}'));
    expect(parsed).toMatchObject({ kind: 'append', retention: { maxAgeMs: 3_600_000, maxBytes: 1_048_576 }, enabled: false });
  });

  it('names the bad field in every validation error', () => {
    const cases: [unknown, string][] = [
      [{ kind: 'stream' }, 'datasets.logs.kind'],
      [{ syncInterval: -5 }, 'datasets.logs.syncInterval'],
      [{ maxBytesPerCycle: '1mb' }, 'datasets.logs.maxBytesPerCycle'],
      // Never applied, so refused rather than silently ignored.
      [{ collections: ['cpu'] }, 'datasets.logs.collections'],
      [{ retention: { maxAgeMs: 0 } }, 'datasets.logs.retention.maxAgeMs'],
      [{ enabled: 'yes' }, 'datasets.logs.enabled'],
      [{ worker: 1 }, 'datasets.logs.worker'],
      [{ priority: 'low' }, 'datasets.logs.priority'],
      [{ syncIntervall: 5 }, 'datasets.logs.syncIntervall'],
      ['fast', 'datasets.logs'],
    ];
    for (const [input, field] of cases) {
      expect(() => resolveDatasetOptions('logs', input)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field } }));
    }
  });
});
