import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketName, isBucketOf } from './buckets.ts';

describe('storage bucket names', () => {
  it('are valid bucket names: [a-z0-9_-], starting with a letter, at most 64 characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.stringMatching(/^[A-Za-z0-9._~-]{1,128}$/), (name, dataset) => {
        expect(bucketName(name, dataset)).toMatch(/^[a-z][a-z0-9_-]{0,63}$/);
      }),
    );
  });

  it('never give two (adapter, dataset) pairs the same bucket, whatever their case or separators', () => {
    const names = ['app', 'App', 'app-logs', 'app_logs', 'app.x', 'app-x'];
    const datasets = ['logs', 'Logs', 'LOGS', 'x-logs', 'x.logs', 'logs-x', 'timeseries'];
    const all = names.flatMap((n) => datasets.map((d) => bucketName(n, d)));
    expect(new Set(all).size).toBe(all.length);
    expect(bucketName('app', 'logs')).toBe('sluice-app-logs');
    expect(bucketName('App', 'logs')).toBe('sluice-_0041pp-logs');
  });

  it('tell an adapter its own buckets from those of an adapter whose name extends it', () => {
    expect(isBucketOf(bucketName('app', 'logs'), 'app')).toBe(true);
    expect(isBucketOf(bucketName('app-x', 'logs'), 'app')).toBe(false);
    expect(isBucketOf(bucketName('appx', 'logs'), 'app')).toBe(false);
  });

  it('hash a name too long for the limit', () => {
    const long = bucketName('a'.repeat(40), 'b'.repeat(40));
    expect(long).toMatch(/^sluice-h[0-9a-f]{16}$/);
    expect(bucketName('a'.repeat(40), 'b'.repeat(41))).not.toBe(long);
  });
});
