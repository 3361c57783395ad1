import { OVERFLOW_POLICIES } from '../src/pipeline/append-options.ts';
import type { CommandUsage } from './command-usage.ts';

/** `sluice load`'s flags and help text; load-args.ts parses with them. */
export const LOAD_USAGE = {
  name: 'load',
  summary: "Append records to a hub's append dataset at a steady rate; prints a JSON summary.",
  flags: {
    hub: { type: 'string', value: '<url>', help: 'hub to sync with, ws://host:port (required)' },
    dataset: { type: 'string', value: '<id>', default: 'logs', help: 'append dataset to load' },
    rate: { type: 'string', value: '<n>', default: '1000', help: 'records per second, 1-10000000' },
    duration: { type: 'string', value: '<s>', default: '10', help: 'seconds to run, at most 86400' },
    token: { type: 'string', value: '<t>', help: "token for the hub's handshake" },
    policy: { type: 'string', value: '<p>', default: 'drop-oldest', help: `overflow policy: ${OVERFLOW_POLICIES.join(', ')}` },
    storage: { type: 'string', value: '<kind>', default: 'memory', help: 'memory, or sqlite in a temporary directory' },
    worker: { type: 'boolean', help: "run the dataset's pipeline in a worker" },
  },
} as const satisfies CommandUsage;
