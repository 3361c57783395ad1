import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import type { JsonValue } from '../../src/core/json.ts';
import type { ControlEvent, SinkConfig, SinkRecord, SinkWriter } from '../../src/pipeline/sinks/sink-api.ts';
import { SinkRunner, type SinkRunnerOptions } from '../../src/pipeline/sinks/sink-runner.ts';
import type { CheckpointStore } from '../../src/store/checkpoint-store.ts';

export const DATASET = 'primary';

let seq = 0;

/** A SinkRecord; `hash` carries a global sequence number so tests can check order. */
export function record(
  key: string,
  opts: { collection?: string; op?: 'put' | 'delete'; value?: JsonValue | null; seq?: number } = {},
): SinkRecord {
  const n = opts.seq ?? seq++;
  const op = opts.op ?? 'put';
  return {
    datasetId: DATASET,
    collection: opts.collection ?? 'notes',
    key,
    op,
    value: opts.value !== undefined ? opts.value : op === 'delete' ? null : { n },
    hlc: { wall: 1_700_000_000_000, logic: n, nodeId: 'node-a' },
    hash: `h${n}`,
  };
}

export type LogEntry =
  | { readonly type: 'data'; readonly records: readonly SinkRecord[] }
  | { readonly type: 'control'; readonly event: ControlEvent }
  | { readonly type: 'checkpoint'; readonly id: number };

export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Logs what it receives, at the moment it receives it (before any stall), so the log order is the
 * order the runner handed things over. Writes, control events and checkpoints can be held on a
 * gate or made to fail.
 */
export class TestWriter implements SinkWriter {
  readonly log: LogEntry[] = [];
  closed = false;
  writeGate: Promise<void> | undefined;
  checkpointGate: Promise<void> | undefined;
  failWrite: Error | undefined;
  failCheckpoint: Error | undefined;
  /** Extra microtask hops per call, to interleave writers differently. */
  hops = 0;

  constructor(readonly index: number) {}

  async write(batch: readonly SinkRecord[]): Promise<void> {
    this.log.push({ type: 'data', records: [...batch] });
    await this.pause(this.writeGate);
    if (this.failWrite) throw this.failWrite;
  }

  async onControl(event: ControlEvent): Promise<void> {
    this.log.push({ type: 'control', event });
    await this.pause(undefined);
  }

  async checkpoint(id: number): Promise<void> {
    this.log.push({ type: 'checkpoint', id });
    await this.pause(this.checkpointGate);
    if (this.failCheckpoint) throw this.failCheckpoint;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Holds every write from now on until the returned function is called. */
  stallWrites(): () => void {
    const gate = deferred();
    this.writeGate = gate.promise;
    return () => {
      this.writeGate = undefined;
      gate.resolve();
    };
  }

  records(): SinkRecord[] {
    return this.log.flatMap((entry) => (entry.type === 'data' ? entry.records : []));
  }

  private async pause(gate: Promise<void> | undefined): Promise<void> {
    for (let i = 0; i < this.hops; i++) await Promise.resolve();
    if (gate) await gate;
  }
}

export interface Harness {
  readonly runner: SinkRunner;
  readonly writers: TestWriter[];
  readonly store: CheckpointStore;
}

export function newStore(): CheckpointStore {
  return memoryStorage().open(DATASET).checkpoints;
}

export async function openHarness(
  config: Partial<SinkConfig> = {},
  options: SinkRunnerOptions = {},
  store: CheckpointStore = newStore(),
  makeWriter: (i: number) => TestWriter = (i) => new TestWriter(i),
): Promise<Harness> {
  const writers: TestWriter[] = [];
  const runner = await SinkRunner.open(
    {
      name: 'search',
      parallelism: 4,
      partition: { strategy: 'hash', fields: ['documentId'] },
      open: (i) => {
        const writer = makeWriter(i);
        writers[i] = writer;
        return writer;
      },
      ...config,
    },
    store,
    options,
  );
  return { runner, writers, store };
}

/** Lets queued work run: macrotask turns until `condition` holds (fails rather than hanging). */
export async function until(condition: () => boolean, turns = 1000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error('condition not reached');
}

/** Macrotask turns with no condition: enough for every runnable lane to run dry. */
export async function settleTurns(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

export class ManualClock {
  value = 0;
  readonly now = (): number => this.value;
  advance(ms: number): void {
    this.value += ms;
  }
}

/** Which writer each key's records went to; throws if a key reached two writers. */
export function keyOwners(writers: readonly TestWriter[]): Map<string, number> {
  const owners = new Map<string, number>();
  for (const writer of writers) {
    for (const r of writer.records()) {
      const seen = owners.get(r.key);
      if (seen !== undefined && seen !== writer.index) throw new Error(`key ${r.key} reached writers ${seen} and ${writer.index}`);
      owners.set(r.key, writer.index);
    }
  }
  return owners;
}
