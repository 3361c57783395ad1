import { describe, expect, it } from 'vitest';
import { dexieStorage } from './page.ts';

// What a browser page gets from sluice/dexie: it names the database for the dataset workers and
// loads no Dexie; it checks its options like the engine does, and says where the engine is.
describe('dexieStorage in a page (sluice/dexie, browser condition)', () => {
  it('describes the database as the engine would, for the workers to open', () => {
    expect(dexieStorage({ name: 'app' }).describe!()).toEqual({ kind: 'dexie', name: 'app', layout: 'database-per-dataset', buckets: true, durability: 'strict', maxPayloadBytes: 1024 * 1024 });
  });

  it('refuses bad options with the same typed errors as the engine', () => {
    expect(() => dexieStorage({ name: '' })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => dexieStorage({ name: 'app', durability: 'fast' as never })).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'durability' } }));
  });

  it('cannot open a dataset on this thread, and says to import sluice/dexie/engine for that', () => {
    expect(() => dexieStorage({ name: 'app' }).open('primary')).toThrow(expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining('sluice/dexie/engine') }));
  });
});
