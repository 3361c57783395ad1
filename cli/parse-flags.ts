import { parseArgs } from 'node:util';
import type { CommandUsage, FlagSpec, FlagValues } from './command-usage.ts';
import { flagSynopsis } from './command-usage.ts';
import { UsageError } from './usage-error.ts';

export type ParsedFlags<F extends Readonly<Record<string, FlagSpec>>> = { readonly help: true } | { readonly help: false; readonly values: FlagValues<F> };

/**
 * Parses `argv` against a command's declared flags. `--help`/`-h` anywhere wins, so a user can
 * always get the usage. Otherwise every problem is a UsageError naming the flag. parseArgs runs
 * non-strict only to get its tokens: its own strict messages do not name the fix, and it would
 * take `--port --host` as the port "--host".
 */
export function parseFlags<F extends Readonly<Record<string, FlagSpec>>>(usage: CommandUsage<F>, argv: readonly string[]): ParsedFlags<F> {
  const flags: Readonly<Record<string, FlagSpec>> = usage.flags;
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(flags)) options[name] = { type: spec.type };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });

  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };

  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(flags)) values[name] = spec.type === 'boolean' ? false : spec.default;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}: sluice ${usage.name} takes only options.`);
    const spec = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
    if (!spec) throw new UsageError(`unknown option ${token.rawName}.`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value, got ${JSON.stringify(token.value)}.`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    // parseArgs takes the next argument as the value even when it is the next flag; a negative
    // number is still passed on, so its own check can say what range is allowed.
    const swallowedFlag = !token.inlineValue && value !== undefined && value.startsWith('-') && !/^-\d/.test(value);
    if (value === undefined || value === '' || swallowedFlag) {
      const synopsis = flagSynopsis(token.name, spec);
      const hint = swallowedFlag ? ` (for a value starting with "-", write --${token.name}=${spec.value})` : '';
      throw new UsageError(`${token.rawName} needs a value: ${synopsis}${hint}.`);
    }
    values[token.name] = value;
  }
  return { help: false, values: values as FlagValues<F> };
}
