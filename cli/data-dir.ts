import { mkdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const FIX = 'pass --data <dir> with a directory you can write to (it is created if missing)';

/**
 * Resolves the hub's data directory, creates what is missing and checks it can be written, so a
 * bad --data fails here with a message naming the directory instead of deep inside SQLite.
 *
 * Creates one level at a time rather than with mkdirSync({ recursive: true }): on Node 20 that
 * loops forever when mkdir fails with ENOENT under an existing parent (e.g. /proc/nope).
 */
export function prepareDataDir(path: string): string {
  const dir = resolve(path);
  const missing: string[] = [];
  for (let current = dir; ; ) {
    const stats = statIfPresent(current, dir);
    if (stats) {
      if (!stats.isDirectory()) {
        throw new Error(current === dir ? `data directory ${dir} is a file, not a directory: ${FIX}.` : `cannot create data directory ${dir}: ${current} is a file, not a directory: ${FIX}.`);
      }
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (error) {
      // Someone else created it in the meantime: fine, as long as it is a directory.
      if (code(error) === 'EEXIST' && statIfPresent(d, dir)?.isDirectory()) continue;
      throw new Error(`cannot create data directory ${dir} (${reason(error)}): ${FIX}.`);
    }
  }
  const probe = join(dir, `.sluice-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    throw new Error(`data directory ${dir} is not writable (${reason(error)}): fix its permissions or ${FIX}.`);
  }
  return dir;
}

/** The path's stats, or undefined when it does not exist (or a parent is a file, found on the way up). */
function statIfPresent(path: string, dir: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
    throw new Error(`cannot use data directory ${dir}: ${path} is not accessible (${reason(error)}): ${FIX}.`);
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Node's own text, e.g. "ENOENT: no such file or directory, mkdir '/proc/nope'". */
function reason(error: unknown): string {
  return (error as Error).message;
}
