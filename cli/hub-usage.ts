import type { CommandUsage } from './command-usage.ts';

/** `sluice hub`'s flags and help text; hub-args.ts parses with them. */
export const HUB_USAGE = {
  name: 'hub',
  summary: 'Run a hub node that peers can sync with, on SQLite or on a PostgreSQL shared with other hubs, until SIGINT or SIGTERM.',
  flags: {
    port: { type: 'string', value: '<n>', default: '8787', help: 'port to listen on, 0-65535; 0 picks a free one' },
    host: { type: 'string', value: '<addr>', default: '127.0.0.1', help: 'address to bind; 0.0.0.0 for every interface' },
    data: { type: 'string', value: '<dir>', default: './.sluice', help: 'data directory, created if missing: the SQLite files, or with --postgres only this hub\'s node id' },
    postgres: { type: 'string', value: '<url>', help: 'store every dataset in this PostgreSQL (default: $SLUICE_POSTGRES_URL); hubs on one database serve the same data' },
    token: { type: 'string', value: '<t>', help: 'token peers must present (default: none)' },
    datasets: { type: 'string', value: '<list>', default: 'primary,logs,timeseries', help: 'comma-separated datasets' },
    'max-connections': { type: 'string', value: '<n>', default: '1000', help: 'most connections served at once; further ones are closed' },
    stats: { type: 'string', value: '<seconds>', default: '10', help: 'print per-dataset counters this often; 0 = never' },
    'metrics-port': { type: 'string', value: '<n>', help: 'also serve the counters as JSON on http://<host>:<n>/metrics (0 picks a port; needs the token if one is set)' },
    'exit-with-stdin': { type: 'boolean', help: 'stop when standard input closes (for launchers)' },
  },
} as const satisfies CommandUsage;
