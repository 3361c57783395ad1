import { assertDatasetId, PRIMARY_DATASET } from '../src/core/dataset-id.ts';
import { OVERFLOW_POLICIES, type OverflowPolicy } from '../src/pipeline/append-options.ts';
import type { FlagValues } from './command-usage.ts';
import { LOAD_USAGE } from './load-usage.ts';
import { decimalFlag, integerFlag } from './numeric-flags.ts';
import { parseFlags } from './parse-flags.ts';
import { UsageError } from './usage-error.ts';

export interface LoadArgs {
  hub: string;
  dataset: string;
  rate: number;
  duration: number;
  token: string | undefined;
  policy: OverflowPolicy;
  storage: 'memory' | 'sqlite';
  worker: boolean;
}

/** Parses and validates `sluice load`'s flags; 'help' when the user asked for the usage. */
export function parseLoadArgs(argv: readonly string[]): LoadArgs | 'help' {
  const parsed = parseFlags(LOAD_USAGE, argv);
  if (parsed.help) return 'help';
  const v: FlagValues<typeof LOAD_USAGE.flags> = parsed.values;
  if (v.hub === undefined) throw new UsageError('--hub <ws://host:port> is required: the hub to send records to, e.g. --hub ws://127.0.0.1:8787.');
  if (!/^wss?:\/\/./.test(v.hub) || !URL.canParse(v.hub)) throw new UsageError(`--hub must be a ws:// or wss:// URL such as ws://127.0.0.1:8787, got ${JSON.stringify(v.hub)}.`);
  try {
    assertDatasetId(v.dataset);
  } catch (error) {
    throw new UsageError(`--dataset: ${(error as Error).message}`);
  }
  if (v.dataset === PRIMARY_DATASET) throw new UsageError('--dataset primary is a documents dataset: load an append dataset such as logs or timeseries.');
  if (!(OVERFLOW_POLICIES as readonly string[]).includes(v.policy)) throw new UsageError(`--policy must be one of ${OVERFLOW_POLICIES.join(', ')}, got ${JSON.stringify(v.policy)}.`);
  if (v.storage !== 'memory' && v.storage !== 'sqlite') throw new UsageError(`--storage must be memory or sqlite, got ${JSON.stringify(v.storage)}.`);
  return {
    hub: v.hub,
    dataset: v.dataset,
    rate: integerFlag('--rate', v.rate, 'records per second', { min: 1, max: 10_000_000 }),
    duration: decimalFlag('--duration', v.duration, 'seconds', { min: 0, minExclusive: true, max: 86_400 }),
    token: v.token,
    policy: v.policy as OverflowPolicy,
    storage: v.storage,
    worker: v.worker,
  };
}
