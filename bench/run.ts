/*
 * Benchmark dispatcher: `npm run bench -- <name> [args...]` runs the `run(args)` export of
 * bench/<name>.ts. Without a known name it lists the benchmarks there are.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const name = process.argv[2];
if (name === undefined || !available.includes(name)) {
  if (name !== undefined) console.error(`Unknown benchmark "${name}".`);
  console.error(`Usage: npm run bench -- <name>\nAvailable: ${available.join(', ')}`);
  process.exit(name === undefined ? 0 : 1);
}

const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { run?: (args: string[]) => unknown };
if (typeof mod.run !== 'function') {
  console.error(`bench/${name}.ts exports no run() function.`);
  process.exit(1);
}
await mod.run(process.argv.slice(3));
