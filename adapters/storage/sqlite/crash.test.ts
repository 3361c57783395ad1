import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { AUTHOR, BATCH_SIZE } from './fixtures/crash-writer.ts';
import { sqliteStorage } from './better-sqlite3/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const writerScript = path.join(here, 'fixtures', 'crash-writer.ts');
const BATCHES_BEFORE_KILL = 3;

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs the writer, SIGKILLs it once it has reported `batches` commits, and returns how many it reported in all. */
async function killWriterAfter(file: string, batches: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let reported = 0;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const match = /^committed (\d+)$/.exec(line);
    if (!match) return;
    reported = Math.max(reported, Number(match[1]));
    if (reported >= batches) child.kill('SIGKILL');
  });
  const { code, signal } = await exited;
  lines.close();
  if (signal !== 'SIGKILL') throw new Error(`the writer was meant to be killed but exited with code ${code}: ${stderr}`);
  return reported;
}

it('keeps whole batches only after the writer process is SIGKILLed mid-stream', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
  const file = path.join(dir, 'crash.db');
  const reported = await killWriterAfter(file, BATCHES_BEFORE_KILL);
  expect(reported).toBeGreaterThanOrEqual(BATCHES_BEFORE_KILL);

  const store = sqliteStorage({ path: file });
  try {
    const snapshot = await store.open('primary').snapshots.export();
    const entries = snapshot.oplog;
    expect(entries.length % BATCH_SIZE).toBe(0);
    expect(entries.length).toBeGreaterThanOrEqual(reported * BATCH_SIZE);

    // Every document has the entry that produced it, and every entry its document.
    const docs = new Map(snapshot.documents.map((d) => [d.key, d]));
    expect(docs.size).toBe(entries.length);
    for (const e of entries) expect(docs.get(e.key)?.hlc).toEqual(e.hlc);

    // The stored chain is unbroken and the head is its newest entry.
    entries.forEach((e, i) => expect(e.prevHash).toBe(i === 0 ? '' : entries[i - 1]!.hash));
    const newest = entries.at(-1)!;
    expect(await store.open('primary').oplog.head(AUTHOR)).toEqual({ nodeId: AUTHOR, hlc: newest.hlc, hash: newest.hash });
    expect(snapshot.heads).toHaveLength(1);
  } finally {
    await store.close();
  }
});
