/*
 * A subcommand's flags and help text, declared once: the parser (parse-flags.ts) reads the flag
 * types and defaults from it, and the help screens below are rendered from it, so what `--help`
 * says and what the parser accepts cannot drift apart.
 */

export interface StringFlag {
  readonly type: 'string';
  /** The value's placeholder in help text, e.g. '<n>'. */
  readonly value: string;
  readonly default?: string;
  readonly help: string;
}

export interface BooleanFlag {
  readonly type: 'boolean';
  readonly help: string;
}

export type FlagSpec = StringFlag | BooleanFlag;

export interface CommandUsage<F extends Readonly<Record<string, FlagSpec>> = Readonly<Record<string, FlagSpec>>> {
  readonly name: string;
  /** One line: what the command does. */
  readonly summary: string;
  readonly flags: F;
}

/** Parsed flag values: booleans, strings with defaults, and optional strings without one. */
export type FlagValues<F extends Readonly<Record<string, FlagSpec>>> = {
  -readonly [K in keyof F]: F[K] extends BooleanFlag ? boolean : F[K] extends { readonly default: string } ? string : string | undefined;
};

/** Every command answers these; they are not listed in each command's flags. */
export const HELP_FLAG = '-h, --help';

/** `--port <n>` */
export function flagSynopsis(name: string, spec: FlagSpec): string {
  return spec.type === 'string' ? `--${name} ${spec.value}` : `--${name}`;
}

function optionLines(usage: CommandUsage, indent: string): string[] {
  const rows: [string, string][] = Object.entries(usage.flags).map(([name, spec]) => [
    flagSynopsis(name, spec),
    spec.type === 'string' && spec.default !== undefined ? `${spec.help} (default ${spec.default})` : spec.help,
  ]);
  rows.push([HELP_FLAG, 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `${indent}${flag.padEnd(width)}${text}`);
}

/** `sluice hub --help`: the command's full usage. */
export function usageText(usage: CommandUsage): string {
  return [`Usage: sluice ${usage.name} [options]`, '', usage.summary, '', 'Options:', ...optionLines(usage, '  '), ''].join('\n');
}

/** The line printed under a usage error, pointing at the full usage. */
export function usageHint(usage: CommandUsage): string {
  return `Usage: sluice ${usage.name} [options] (run "sluice ${usage.name} --help" for the options)`;
}

/** The command's entry in `sluice --help`: name, summary, then its options indented beneath. */
export function commandEntry(usage: CommandUsage, nameWidth: number): string {
  return [`  ${usage.name.padEnd(nameWidth)}  ${usage.summary}`, ...optionLines(usage, ' '.repeat(nameWidth + 4))].join('\n');
}
