import { assertDatasetId } from '../src/core/dataset-id.ts';
import type { FlagValues } from './command-usage.ts';
import { HUB_USAGE } from './hub-usage.ts';
import { decimalFlag, integerFlag } from './numeric-flags.ts';
import { parseFlags } from './parse-flags.ts';
import { UsageError } from './usage-error.ts';

export interface HubArgs {
  readonly port: number;
  readonly host: string;
  /** As given; data-dir.ts resolves and prepares it. */
  readonly data: string;
  /** A postgres:// URL: datasets live there, shared with other hubs. Undefined: SQLite under data. */
  readonly postgres: string | undefined;
  readonly token: string | undefined;
  readonly datasets: readonly string[];
  readonly maxConnections: number;
  /** 0 = no periodic stats. */
  readonly statsSeconds: number;
  /** Undefined: no metrics endpoint. */
  readonly metricsPort: number | undefined;
  readonly exitWithStdin: boolean;
}

/** Parses and validates `sluice hub`'s flags; 'help' when the user asked for the usage. */
export function parseHubArgs(argv: readonly string[]): HubArgs | 'help' {
  const parsed = parseFlags(HUB_USAGE, argv);
  if (parsed.help) return 'help';
  const v: FlagValues<typeof HUB_USAGE.flags> = parsed.values;
  return {
    port: integerFlag('--port', v.port, 'a port number', { min: 0, max: 65_535 }),
    host: v.host,
    data: v.data,
    postgres: postgresUrl(v.postgres ?? process.env.SLUICE_POSTGRES_URL),
    token: v.token,
    datasets: parseDatasets(v.datasets),
    maxConnections: integerFlag('--max-connections', v['max-connections'], 'the number of connections to serve at once', { min: 1 }),
    // At most a day: setInterval silently turns delays above ~24.8 days into 1 ms.
    statsSeconds: decimalFlag('--stats', v.stats, 'seconds between counter lines (0 = never)', { min: 0, max: 86_400 }),
    exitWithStdin: v['exit-with-stdin'],
    metricsPort: v['metrics-port'] === undefined ? undefined : integerFlag('--metrics-port', v['metrics-port'], 'a port number', { min: 0, max: 65_535 }),
  };
}

function parseDatasets(list: string): string[] {
  const ids = [...new Set(list.split(',').map((s) => s.trim()).filter(Boolean))];
  if (ids.length === 0) throw new UsageError('--datasets needs at least one dataset id, e.g. --datasets primary,logs.');
  for (const id of ids) {
    try {
      assertDatasetId(id);
    } catch (error) {
      throw new UsageError(`--datasets: ${(error as Error).message}`);
    }
  }
  return ids;
}

function postgresUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new UsageError('--postgres (or SLUICE_POSTGRES_URL) must be a URL like postgres://user:password@host:5432/db.');
  return value;
}
