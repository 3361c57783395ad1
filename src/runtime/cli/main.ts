import { runHub } from './hub-command.ts';
import { runLoad } from './load-command.ts';

const USAGE = `Usage: sluice <command> [options]

Commands:
  hub   Run a hub node on SQLite that peers can sync with.
        --port <n>          port to listen on (default 8787; 0 picks a free one)
        --host <addr>       address to bind (default 127.0.0.1)
        --data <dir>        data directory (default ./.sluice)
        --token <t>         token peers must present (default: none)
        --datasets <list>   comma-separated datasets (default primary,logs,timeseries)
        --stats <seconds>   print per-dataset counters this often (default 10; 0 = never)
        --exit-with-stdin   stop when standard input closes (for launchers)
  load  Append records to a hub's append dataset at a steady rate; prints a JSON summary.
        --hub <url>         hub to sync with, ws://host:port (required)
        --dataset <id>      append dataset to load (default logs)
        --rate <n>          records per second (default 1000)
        --duration <s>      seconds to run (default 10)
        --token <t>         token for the hub's handshake
        --policy <p>        overflow policy: block, drop-oldest, drop-newest, spill (default drop-oldest)
        --storage <kind>    memory (default) or sqlite (in a temporary directory)
        --worker            run the dataset's pipeline in a worker
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'hub':
        return await runHub(rest);
      case 'load':
        return await runLoad(rest);
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    process.stderr.write(`sluice ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}
