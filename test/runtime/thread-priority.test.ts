import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../sync/harness.ts';

/** A thread's nice value from its /proc stat line: field 19, counted after the parenthesised name. */
function niceOf(statPath: string): number {
  const stat = fs.readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const niceValues = () => fs.readdirSync('/proc/self/task').map((tid) => niceOf(`/proc/self/task/${tid}/stat`));

const backgroundThreads = () => niceValues().filter((n) => n === 10).length;

// Thread priorities are a Linux feature here: elsewhere the option is documented as having no effect.
describe.skipIf(process.platform !== 'linux')('dataset worker priority (Linux threads)', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it("runs an append dataset's worker at background priority and a documents dataset's worker at normal priority", async () => {
    const before = backgroundThreads();
    const node = await h.node('client', { datasets: { primary: {}, logs: { kind: 'append' }, notes: { worker: true } } });
    const m = await node.metrics();
    expect([m.logs!.worker.state, m.notes!.worker.state]).toEqual(['running', 'running']);
    // One new background thread: the logs worker. The notes worker and the node's own thread stay normal.
    expect(backgroundThreads() - before).toBe(1);
    expect(niceOf('/proc/thread-self/stat')).toBe(0);
    await node.close();
    expect(backgroundThreads()).toBe(before);
  });

  it("leaves an append dataset's worker at normal priority when told so", async () => {
    const before = backgroundThreads();
    const node = await h.node('client', { datasets: { primary: {}, logs: { kind: 'append', priority: 'normal' } } });
    expect((await node.metrics()).logs!.worker.state).toBe('running');
    expect(backgroundThreads()).toBe(before);
  });
});
