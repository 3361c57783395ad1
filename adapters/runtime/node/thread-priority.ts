import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/*
 * A dataset worker's thread asks the scheduler to run it after normal threads. Linux schedules
 * threads, not processes, and setpriority() given a thread id changes that thread alone;
 * /proc/thread-self names the calling thread's id. Node, Deno and Bun all implement node:os and
 * node:fs, so their default workers share this. Elsewhere (macOS, Windows), setpriority() on the
 * process id would slow the whole process, so nothing happens there.
 */

/** The nice value of a background thread: weight 110 against 1024 for a normal thread under Linux CFS. */
const BACKGROUND_NICE = 10;

export function lowerThreadPriority(): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // not Linux, or no permission to read /proc (Deno without --allow-read): normal priority.
  }
  // The main thread's id is the process id; lowering it would slow every thread of the process.
  if (!Number.isSafeInteger(tid) || tid <= 0 || tid === process.pid) return;
  try {
    setPriority(tid, BACKGROUND_NICE);
  } catch {
    // A sandbox may refuse it (Deno without --allow-sys): the worker runs at normal priority.
  }
}
