import { runHub } from './hub-command.ts';

const USAGE = `Usage: sluice <command> [options]

Commands:
  hub   Run a hub node on SQLite that peers can sync with.
        --port <n>          port to listen on (default 8787; 0 picks a free one)
        --host <addr>       address to bind (default 127.0.0.1)
        --data <dir>        data directory (default ./.sluice)
        --token <t>         token peers must present (default: none)
        --datasets <list>   comma-separated datasets (default primary,logs,timeseries)
        --stats <seconds>   print per-dataset counters this often (default 10; 0 = never)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'hub':
        return await runHub(rest);
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
