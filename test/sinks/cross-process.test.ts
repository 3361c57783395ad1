import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bucketOf, writerOfBucket } from '../../src/pipeline/sinks/stable-hash.ts';

const MODULE = fileURLToPath(new URL('../../src/pipeline/sinks/stable-hash.ts', import.meta.url));

describe('bucket assignment across processes', () => {
  it('a separate Node process assigns the same 1000 keys to the same buckets and writers', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `doc-${i * 7919}`);
    const script = `
      const { bucketOf, writerOfBucket } = await import(${JSON.stringify(MODULE)});
      const keys = JSON.parse(process.argv[1]);
      console.log(JSON.stringify(keys.map((k) => { const b = bucketOf(k, 128); return [b, writerOfBucket(b, 128, 4)]; })));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(keys)], { encoding: 'utf8' });
    const theirs = JSON.parse(out) as [number, number][];
    const ours = keys.map((k) => {
      const b = bucketOf(k, 128);
      return [b, writerOfBucket(b, 128, 4)];
    });
    expect(theirs).toEqual(ours);
    expect(new Set(ours.map(([, w]) => w)).size).toBe(4);
  });
});
