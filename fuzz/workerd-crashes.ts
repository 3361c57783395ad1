import { Log, LogLevel } from 'miniflare';

/*
 * What a crash is on the edge. workerd does not exit when code in an object fails: it logs the
 * error and carries on, and where the object cannot carry on (a broken input or output gate, an
 * exceeded limit) it resets it, which drops every socket of that object. So the edge hub "exits"
 * when workerd reports any of these (with --verbose, which Miniflare passes as `verbose: true`):
 *
 *   uncaught exception   an error thrown out of the Worker or an object, in a handler or a timer
 *                        ("uncaught exception; source = ..."): on a Node hub, the process would die
 *   unhandled rejection  a promise still rejected with no handler 100 ms on. workerd does not log
 *                        these, so the fuzz Worker reports them itself (REJECTION_WATCH, prepended
 *                        to the bundled Worker)
 *   object reset         workerd breaking an object ("brokenness", "broken.<reason>"), which resets it
 *   runtime restart      the workerd process itself died and Miniflare started it again
 *   Miniflare error      an error Miniflare logs itself
 *
 * Routine lines are not crashes: with --verbose workerd also logs every socket a client cuts
 * ("disconnected: WebSocket disconnected between frames..."), which the fuzzer does all the time.
 */

export const REJECTION_MARKER = 'sluice-fuzz: unhandled rejection';

/**
 * Prepended to the bundled Worker (a statement before the bundle's imports is still a valid module).
 * workerd fires `unhandledrejection` eagerly, for a promise rejected while no handler is attached
 * YET, and `rejectionhandled` when one is attached a moment later: `return this.push(...)` from an
 * async function awaited in a try block does that, and is handled. A rejection counts when it is
 * still unhandled 100 ms later, which is what Node's default (a crash) amounts to. The timer runs
 * in an object's context; a Worker request may end before it fires, so later events also report
 * what has waited longer.
 */
export const REJECTION_WATCH = `{
  const pending = new Map();
  const report = (promise) => {
    const seen = pending.get(promise);
    if (!pending.delete(promise)) return;
    console.error(${JSON.stringify(REJECTION_MARKER)} + ': ' + String((seen.reason && seen.reason.stack) || seen.reason));
  };
  addEventListener('unhandledrejection', (event) => {
    for (const [promise, seen] of pending) if (seen.at < Date.now() - 100) report(promise);
    pending.set(event.promise, { reason: event.reason, at: Date.now() });
    try { setTimeout(() => report(event.promise), 100); } catch {}
  });
  addEventListener('rejectionhandled', (event) => pending.delete(event.promise));
}
`;

/** What a workerd log line says happened, when it says the hub crashed. */
export function crashIn(message: string): string | undefined {
  if (message.startsWith(REJECTION_MARKER)) return 'unhandled promise rejection in the Worker or an object';
  if (message.startsWith('uncaught exception;')) return 'uncaught exception in the Worker or an object';
  if (/brokenness|\bbroken\.[A-Za-z]+/.test(message)) return 'object reset by workerd';
  return undefined;
}

/** Lines that only say a client went away: left out of the report's context. */
export function isRoutine(message: string): boolean {
  return /^exception = kj\/[^:]*:\d+: disconnected:/.test(message);
}

/** Collects workerd's and Miniflare's lines, and tells its listeners about every crash. */
export class CrashWatch {
  private readonly lines: { readonly seq: number; readonly text: string }[] = [];
  /** Lines seen so far: a hub started at `seq` reports only the lines after it. */
  seq = 0;
  private readonly listeners = new Set<(what: string, line: string) => void>();

  /** For Miniflare's handleStructuredLogs: everything workerd writes, one line each. */
  readonly structured = (log: { level: string; message: string }): void => {
    this.line(log.level, log.message);
  };

  /** For Miniflare's unsafeHandleRuntimeRestart. */
  readonly runtimeRestarted = (): void => {
    this.line('error', 'workerd exited and Miniflare restarted it', 'the workerd process died (Miniflare restarted it)');
  };

  /** Miniflare's own log: its errors count as crashes, its warnings are kept as context. */
  readonly log: Log = new WatchLog(this);

  line(level: string, message: string, what = crashIn(message)): void {
    if (isRoutine(message)) return;
    this.lines.push({ seq: ++this.seq, text: `[${level}] ${message.length > 2_000 ? `${message.slice(0, 2_000)}…` : message}` });
    if (this.lines.length > 60) this.lines.splice(0, this.lines.length - 40);
    if (what !== undefined) for (const l of this.listeners) l(what, message);
  }

  onCrash(listener: (what: string, line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last lines workerd and Miniflare wrote after line `since` (routine disconnects left out). */
  tail(since = 0): string {
    return this.lines
      .filter((l) => l.seq > since)
      .slice(-30)
      .map((l) => l.text)
      .join('\n');
  }
}

class WatchLog extends Log {
  constructor(private readonly watch: CrashWatch) {
    super(LogLevel.WARN);
  }

  override error(message: Error): void {
    this.watch.line('error', `Miniflare: ${message.stack ?? message.message}`, 'Miniflare reported an error');
  }

  override warn(message: string): void {
    this.watch.line('warn', `Miniflare: ${message}`);
  }

  protected override log(message: string): void {
    this.watch.line('info', `Miniflare: ${message}`);
  }
}
