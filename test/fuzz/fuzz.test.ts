import { describe, expect, it } from 'vitest';
import type { ViolationLine } from '../../fuzz/report.ts';
import { runFuzz } from '../../fuzz/run.ts';

/*
 * The hub fuzzer as part of `npm test` (which builds dist/ first: the hub under test is a real
 * `sluice hub` process from bin/sluice.mjs). 10 000 mutated and hostile frames, unauthenticated and
 * after a valid handshake, on all three datasets; after every 500 the hub must be alive, an honest
 * write must reach a second honest client through it, and its SQLite files must hold only honest
 * writes. The assertions are the strict outcome: zero exits, zero state changes from input the hub
 * should have refused, honest sync ok every time. On failure the message lists what failed and the
 * cases behind it; `npm run fuzz -- --seed npm-test` prints every violation with the frames' bytes.
 */

const SEED = 'npm-test';

describe('hub under fuzzing', () => {
  it('survives 10k hostile frames: no exit, no state change from rejected input, honest clients sync throughout', async () => {
    const violations: ViolationLine[] = [];
    const summary = await runFuzz({
      frames: 10_000,
      batchSize: 500,
      seed: SEED,
      // Far above a healthy run (~15 s); a hub that keeps crashing is stopped here rather than by vitest.
      maxSeconds: 100,
      onLine: (line) => {
        if (line.type === 'violation') violations.push(line);
      },
    });
    const report = [
      `seed ${SEED}: ${summary.framesSent} frames in ${summary.cases} cases, ${summary.batches} batches, ${Math.round(summary.elapsedMs / 1000)} s, stopped by ${summary.stoppedBy}${summary.fatal ? ` (${summary.fatal})` : ''}`,
      ...summary.failures.map((f) => `${f.check}: ${f.what} x${f.count}, caused by ${Object.entries(f.causedByKinds).map(([k, n]) => `${k} x${n}`).join(', ')}`),
      ...violations.slice(0, 5).map((v) => `e.g. batch ${v.batch}: ${v.message}${v.causedBy ? ` <- case ${v.causedBy.index} ${v.causedBy.kind} (${v.causedBy.auth}, ${v.causedBy.datasetId}): ${v.causedBy.detail}` : ''}`),
    ].join('\n');

    expect(summary.stoppedBy, report).toBe('frames');
    expect(summary.framesSent, report).toBeGreaterThanOrEqual(10_000);
    expect({ hubExits: summary.hubExits, stateChanges: summary.stateChanges, honestSyncFailures: summary.honestSyncs.failed, checkErrors: summary.checkErrors }, report).toEqual({
      hubExits: 0,
      stateChanges: 0,
      honestSyncFailures: 0,
      checkErrors: 0,
    });
    // One honest round before the first batch and one after each.
    expect(summary.honestSyncs.ok, report).toBe(summary.batches + 1);
  }, 180_000);
});
