import { describe, expect, it } from 'vitest';
import { assertDatasetId, normalizeDatasetId } from '../../src/core/dataset-id.ts';
import { datasetDefaults, resolveDatasetOptions } from '../../src/core/dataset-options.ts';

describe('DatasetId', () => {
  it('accepts short safe identifiers', () => {
    for (const id of ['primary', 'logs', 'timeseries', 'a', 'tenant_42-eu']) expect(assertDatasetId(id)).toBe(id);
  });

  it('rejects anything that is not safe as a file name and key, with a message that says what to use', () => {
    for (const id of ['', 'Logs', '1logs', 'a b', '../x', 'a/b', 'a.b', 'x'.repeat(49), null, 42]) {
      expect(() => assertDatasetId(id)).toThrow(expect.objectContaining({ code: 'invalid_dataset_id', message: expect.stringContaining('a-z') }));
    }
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
