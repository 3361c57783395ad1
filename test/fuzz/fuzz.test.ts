import { describe, expect, it } from 'vitest';
import { reportedRun } from './reported-run.ts';

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
    const { summary, report } = await reportedRun({
      frames: 10_000,
      batchSize: 500,
      seed: SEED,
      // Far above a healthy run (~15 s); a hub that keeps crashing is stopped here rather than by vitest.
      maxSeconds: 100,
    });

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
