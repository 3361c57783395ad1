import { describe, expect, it } from 'vitest';
import { reportedRun } from './reported-run.ts';

/*
 * The hub fuzzer against the edge hub: the example Cloudflare Worker (routeToHub at /sync, one
 * SluiceHubObject per dataset on Durable Object SQLite) bundled from the built package and run in
 * real workerd through Miniflare, with token auth. The same 10 000 frames and the same strict
 * outcome as fuzz.test.ts against a Node hub, where on the edge:
 * - a crash is an uncaught exception or an unhandled rejection in the Worker or an object, an
 *   object reset by workerd, or workerd itself dying (fuzz/workerd-crashes.ts), and an honest
 *   client's connection closed by the hub counts too (honestDrops);
 * - the state check reads each object's SQLite file under Miniflare's persist directory
 *   (fuzz/edge-storage.ts): only honest writes, and the hub's own node id and keys;
 * - upgrades without the right token in the URL must be refused (an HTTP 401, or a 4401 close) and create no object, checked before
 *   the first object exists and again at the end.
 * Every fuzz socket carries its dataset and the right token in the URL, so the wrong-token cases
 * reach the object, which must refuse their handshakes itself.
 * `npm run fuzz -- --hub edge --seed npm-test` prints every violation with the frames' bytes.
 */

const SEED = 'npm-test';

describe('edge hub (workerd) under fuzzing', () => {
  it('survives 10k hostile frames: no crash or reset, no state change from rejected input, honest clients sync throughout', async () => {
    const { summary, report } = await reportedRun({
      hub: 'edge',
      frames: 10_000,
      batchSize: 500,
      seed: SEED,
      // Far above a healthy run (~40 s alone on 2 cores); a hub that keeps failing is stopped here rather than by vitest.
      maxSeconds: 170,
    });

    expect(summary.stoppedBy, report).toBe('frames');
    expect(summary.framesSent, report).toBeGreaterThanOrEqual(10_000);
    expect(
      {
        hubExits: summary.hubExits,
        stateChanges: summary.stateChanges,
        honestSyncFailures: summary.honestSyncs.failed,
        honestDrops: summary.honestDrops,
        upgradeRefusalFailures: summary.upgradeRefusals.failed,
        checkErrors: summary.checkErrors,
      },
      report,
    ).toEqual({ hubExits: 0, stateChanges: 0, honestSyncFailures: 0, honestDrops: 0, upgradeRefusalFailures: 0, checkErrors: 0 });
    // One honest round before the first batch and one after each; the upgrade check ran twice.
    expect(summary.honestSyncs.ok, report).toBe(summary.batches + 1);
    expect(summary.upgradeRefusals.tried, report).toBeGreaterThanOrEqual(50);
  }, 240_000);
});
