import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../demo/process-helpers.ts';

export type QuickStart = 'node' | 'browser';

/** The hub URL the README's quick starts dial; the consumer tests point it at their own hub. */
export const README_HUB_URL = 'ws://127.0.0.1:8787';

/**
 * The code block after `<!-- quick-start:NAME -->` in README.md, exactly as users read it, so the
 * consumer tests run the documentation itself and the two cannot drift apart.
 */
export function quickStart(name: QuickStart): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const marker = `<!-- quick-start:${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker} before its ${name} quick start`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no \`\`\`ts block after ${marker}`);
  return block[1]!;
}

/** The quick start with its hub URL replaced by `url`; fails if the README no longer dials README_HUB_URL. */
export function quickStartFor(name: QuickStart, url: string): string {
  const code = quickStart(name);
  if (!code.includes(`'${README_HUB_URL}'`)) throw new Error(`The README's ${name} quick start no longer dials '${README_HUB_URL}': update the consumer tests with it`);
  return code.replaceAll(`'${README_HUB_URL}'`, `'${url}'`);
}
