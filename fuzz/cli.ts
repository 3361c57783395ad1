import { parseArgs } from 'node:util';
import { runFuzz } from './run.ts';

/*
 * `npm run fuzz -- [--frames N] [--seed S] ...`: runs the hub fuzzer and prints one JSON object per
 * line (start, batch, violation, summary). Exit code 0 when the hub survived, synced honest clients
 * throughout and stored nothing it should have refused; 1 when any check failed; 2 for bad flags or
 * when the run could not be carried out at all.
 */

const USAGE = `Usage: npm run fuzz -- [options]

Fuzzes a real \`sluice hub\` process (started from bin/sluice.mjs, which runs the built dist/:
\`npm run fuzz\` builds first) with mutated and hostile frames, checking after every batch that the
hub is alive, that honest clients still sync through it, and that its storage holds only honest writes.
With --hub edge it fuzzes the edge hub instead: the example Cloudflare Worker bundled from dist/, its
SluiceHubObject per dataset in workerd (through Miniflare).

Options:
  --hub <node|edge>      which hub to fuzz (default node)
  --frames <n>           frames to send in all (default 10000)
  --batch <n>            frames per batch; checks run after each (default 500)
  --seed <s>             seed for every choice the fuzzer makes (default sluice-fuzz)
  --max-seconds <n>      stop after this long even if frames remain (default 600)
  --case-timeout-ms <n>  how long one connection may wait for the hub (default 3000)
  --hub-bin <path>       the sluice CLI to start the Node hub with (default bin/sluice.mjs)
  --keep-data            keep the hub's temporary data directory for inspection
  -h, --help             this text

Output: JSON lines; the last one is the summary. Exit code 1 if the hub exited (on the edge: an
uncaught error or a reset in workerd), stored anything no honest write explains, dropped or failed
an honest client, or (edge) let an upgrade through without the right token.`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer, got ${JSON.stringify(value)}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      hub: { type: 'string' },
      frames: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      'max-seconds': { type: 'string' },
      'case-timeout-ms': { type: 'string' },
      'hub-bin': { type: 'string' },
      'keep-data': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const v = parsed.values;
if (v.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

if (v.hub !== undefined && v.hub !== 'node' && v.hub !== 'edge') {
  process.stderr.write(`--hub must be node or edge, got ${JSON.stringify(v.hub)}\n${USAGE}\n`);
  process.exit(2);
}

const summary = await runFuzz({
  hub: v.hub ?? 'node',
  frames: positive('frames', v.frames, 10_000),
  batchSize: positive('batch', v.batch, 500),
  seed: v.seed ?? 'sluice-fuzz',
  maxSeconds: positive('max-seconds', v['max-seconds'], 600),
  caseTimeoutMs: positive('case-timeout-ms', v['case-timeout-ms'], 3_000),
  ...(v['hub-bin'] ? { hubBin: v['hub-bin'] } : {}),
  keepData: v['keep-data'] === true,
  onLine: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
});
process.exitCode = summary.stoppedBy === 'fatal' ? 2 : summary.ok ? 0 : 1;
