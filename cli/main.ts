import { commandEntry, usageText, usageHint, type CommandUsage } from './command-usage.ts';
import { parseHubArgs } from './hub-args.ts';
import { HUB_USAGE } from './hub-usage.ts';
import { parseLoadArgs } from './load-args.ts';
import { LOAD_USAGE } from './load-usage.ts';
import { UsageError, USAGE_ERROR_EXIT_CODE } from './usage-error.ts';

/*
 * The `sluice` command line: dispatches to a subcommand and turns its outcome into an exit code
 * (0 done, 1 failed, 2 called wrongly). Importing this module does nothing; bin/sluice.mjs calls
 * main(). Subcommands are loaded on demand, so `--help` and usage errors never open SQLite or ws.
 */

interface Command {
  readonly usage: CommandUsage;
  /** Parses and checks the flags first, so help and usage errors never load a driver. */
  readonly run: (argv: string[]) => Promise<number | 'help'>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  hub: {
    usage: HUB_USAGE,
    run: async (argv) => {
      const args = parseHubArgs(argv);
      return args === 'help' ? args : (await import('./hub-command.ts')).runHub(args);
    },
  },
  load: {
    usage: LOAD_USAGE,
    run: async (argv) => {
      const args = parseLoadArgs(argv);
      return args === 'help' ? args : (await import('./load-command.ts')).runLoad(args);
    },
  },
};

const HELP_WORDS = new Set(['help', '--help', '-h']);

/** `sluice --help`: every command with its summary and options. */
export function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: sluice <command> [options]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => commandEntry(c.usage, width)),
    '',
    'Run "sluice <command> --help" (or "sluice help <command>") for one command\'s usage.',
    '',
  ].join('\n');
}

const MAIN_HINT = 'Usage: sluice <command> [options] (run "sluice --help" for the commands)';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`sluice: missing command.\n\n${mainUsage()}`);
    return USAGE_ERROR_EXIT_CODE;
  }
  if (HELP_WORDS.has(name)) return help(rest[0]);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return unknownCommand(name);
  try {
    const outcome = await command.run(rest);
    if (outcome !== 'help') return outcome;
    process.stdout.write(usageText(command.usage));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sluice ${name}: ${error.message}\n${usageHint(command.usage)}\n`);
      return USAGE_ERROR_EXIT_CODE;
    }
    process.stderr.write(`sluice ${name}: ${missingPeer(error) ?? (error as Error).message}\n`);
    return 1;
  }
}

/** The CLI's drivers are optional peers of the package: say which to install instead of a stack trace. */
function missingPeer(error: unknown): string | undefined {
  const missing = /Cannot find (?:package|module) '(better-sqlite3|ws)'/.exec(String((error as Error)?.message));
  return missing ? `this command needs ${missing[1]}, an optional dependency of sluice: npm i better-sqlite3 ws` : undefined;
}

/** `sluice help [command]`, `sluice --help`, `sluice -h`. */
function help(topic: string | undefined): number {
  if (topic === undefined) {
    process.stdout.write(mainUsage());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
  if (!command) return unknownCommand(topic);
  process.stdout.write(usageText(command.usage));
  return 0;
}

function unknownCommand(name: string): number {
  process.stderr.write(`sluice: unknown command ${JSON.stringify(name)}: the commands are ${Object.keys(COMMANDS).join(', ')}.\n${MAIN_HINT}\n`);
  return USAGE_ERROR_EXIT_CODE;
}
