import { assertDatasetId, PRIMARY_DATASET, type DatasetId } from '../core/dataset-id.ts';
import { resolveDatasetOptions, type DatasetOptions } from '../core/dataset-options.ts';
import { isTemplatePattern, parseTemplate, type DatasetTemplate } from '../core/dataset-template.ts';
import { SluiceError } from '../core/errors.ts';
import { assertNodeId } from '../core/hlc.ts';
import { assertCollection } from '../core/names.ts';
import { assertAuthOptions, invalidOption, optionalBoolean, optionalFrameBytes, optionalFunction, optionalInteger, optionalObject } from '../core/option-checks.ts';
import type { ResolverSpec } from '../core/resolvers/registry.ts';
import { isBuiltInResolverName } from '../core/resolvers/built-in-names.ts';
import type { ConflictResolver } from '../core/resolvers/resolver.ts';
import { resolveAppendOptions, type AppendBufferOptions, type ResolvedAppendOptions } from '../pipeline/append-options.ts';
import type { SinkConfig } from '../pipeline/sinks/sink-api.ts';
import { assertSinkList } from '../pipeline/sinks/sink-config.ts';
import type { Connector } from '../protocol/transport.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import type { AuthOptions } from '../sync/auth.ts';

export type DatasetConfig = Partial<DatasetOptions> & {
  /** Conflict resolver per collection of this dataset (default: last-write-wins). */
  readonly resolvers?: Record<string, ResolverSpec>;
  /** Append datasets: the bounded in-memory buffer between append() and the pipeline. */
  readonly buffer?: AppendBufferOptions;
  /** Consumers of this dataset's applied changes (exporters, indexes), fed from its oplog. */
  readonly sinks?: readonly SinkConfig[];
};

export interface NodeOptions {
  /**
   * Stable identity: 1-128 characters of A-Z, a-z, 0-9, '.', '_', '~' or '-'. Generated once and
   * kept in storage when left out.
   */
  readonly nodeId?: string;
  readonly storage: StorageAdapter;
  /** Peers to dial: one connection per dataset per peer. Each is a Connector, e.g. `websocket(url)`. */
  readonly peers?: readonly Connector[];
  /**
   * Checks applied to peers that dial this node (see sluice/server): `token`, a non-empty string of
   * at most 16 KiB, and `authorize`, a function.
   */
  readonly auth?: AuthOptions;
  /** Datasets to run; left out, the node runs `primary` alone. */
  readonly datasets?: Readonly<Record<DatasetId, DatasetConfig>>;
  /** Resolvers for collections of every dataset, unless a dataset names its own. */
  readonly resolvers?: Record<string, ResolverSpec>;
  /**
   * Remote timestamps further ahead of this node's clock are refused (`clock_drift`). Whole ms,
   * 0 (no drift tolerated) to 30 days. Default 60 s.
   */
  readonly maxClockDriftMs?: number;
  /** Largest frame sent or accepted, in bytes: 1 KiB to 64 MiB. Default 4 MiB. */
  readonly maxFrameBytes?: number;
  /**
   * Ping interval on connections; silent peers are dropped after twice this. Whole ms, 10 ms to
   * 1 hour, or 0 for no heartbeat. Default 15 s.
   */
  readonly heartbeatMs?: number;
  /** How long a request to a peer may take before it fails with `timeout`. Whole ms, 10 ms to 1 hour. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Global switch for staged rollout: false runs `primary` alone (other datasets stay configured
   * but do not start), as a single-dataset build would. Default true.
   */
  readonly multiDataset?: boolean;
  /**
   * Sign this node's writes with each dataset's Ed25519 key, and apply a peer's entries only under
   * a valid signature by their author (`bad_signature` otherwise). Default true; turn it off only
   * where every node of a deployment does (see docs/security.md).
   */
  readonly signing?: boolean;
  /** How often `node.on('metrics', …)` listeners hear from the node. Whole ms, 10 ms to 1 hour. Default 1000 ms. */
  readonly metricsIntervalMs?: number;
  /** Called when a dataset's worker dies; it is restarted with backoff either way. */
  readonly onWorkerCrash?: (datasetId: DatasetId, reason: string) => void;
  /**
   * Browsers: 'shared' (the default there) runs each dataset once per origin. One tab, chosen with
   * Web Locks, runs its worker (the storage writer and the connection); every tab reaches it over
   * a BroadcastChannel. A dataset with `worker: false` or sinks stays in its own tab. 'own' gives
   * every tab its own pipelines. Elsewhere the default, and the only choice, is 'own'.
   */
  readonly tabs?: 'shared' | 'own';
  /**
   * Hubs with dataset templates: how many of their per-identity datasets stay open (a pipeline and,
   * on SQLite, a file each) once nobody is connected to them. Beyond it, the least recently used
   * idle ones are closed, and opened again for their next client. Datasets with connections always
   * stay open. 1 to 1,000,000; default 1,000.
   */
  readonly maxOpenDatasets?: number;
}

const SECOND = 1_000;
const HOUR = 60 * 60 * SECOND;
const DAY = 24 * HOUR;

/** Bounds of the numeric node options, as documented on NodeOptions. */
export const NODE_OPTION_BOUNDS = {
  maxClockDriftMs: { min: 0, max: 30 * DAY, unit: 'of ms', fix: 'leave it out for the default 60000 (60 s)' },
  heartbeatMs: { min: 10, max: HOUR, also: 0, unit: 'of ms', fix: 'use 0 to turn heartbeats off, or leave it out for the default 15000' },
  requestTimeoutMs: { min: 10, max: HOUR, unit: 'of ms', fix: 'leave it out for the default 30000 (30 s)' },
  metricsIntervalMs: { min: 10, max: HOUR, unit: 'of ms', fix: 'leave it out for the default 1000' },
  maxOpenDatasets: { min: 1, max: 1_000_000, fix: 'leave it out for the default 1000' },
} as const;

/**
 * Checks everything createNode takes apart from `storage` and `datasets` (see resolveDatasets),
 * once, before anything starts. Each failure is a SluiceError whose `details.field` names the
 * option: `invalid_options`, or `invalid_node_id` for `nodeId`.
 */
export function assertNodeOptions(options: NodeOptions): void {
  const raw = options as unknown as Record<string, unknown>;
  if (raw.nodeId !== undefined) assertNodeId(raw.nodeId, 'nodeId');
  optionalFrameBytes(raw.maxFrameBytes, 'maxFrameBytes');
  for (const field of Object.keys(NODE_OPTION_BOUNDS) as (keyof typeof NODE_OPTION_BOUNDS)[]) {
    optionalInteger(raw[field], field, NODE_OPTION_BOUNDS[field]);
  }
  optionalBoolean(raw.multiDataset, 'multiDataset');
  optionalBoolean(raw.signing, 'signing');
  if (raw.tabs !== undefined && raw.tabs !== 'shared' && raw.tabs !== 'own') throw invalidOption('tabs', "'shared' or 'own'", raw.tabs);
  optionalFunction(raw.onWorkerCrash, 'onWorkerCrash', 'pass (datasetId, reason) => void, or leave it out and listen with node.on("worker-crash")');
  assertAuthOptions(raw.auth, 'auth');
  assertPeers(raw.peers);
  assertResolvers(raw.resolvers, 'resolvers');
}

function assertPeers(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw invalidOption('peers', 'an array of connectors, e.g. [websocket("wss://hub.example")]', value, 'or leave it out to dial no one');
  value.forEach((peer: unknown, i) => {
    const field = `peers[${i}]`;
    if (typeof peer !== 'object' || peer === null || typeof (peer as Connector).connect !== 'function') {
      throw invalidOption(field, 'a connector with connect(), as websocket(url) or webTransport(url) return', peer, 'build peers with those functions');
    }
    const c = peer as Partial<Connector>;
    if (typeof c.url !== 'string' || c.url.length === 0) throw invalidOption(`${field}.url`, 'the URL the connector dials, a non-empty string', c.url);
    if (typeof c.token !== 'string' && typeof c.token !== 'function') {
      throw invalidOption(`${field}.token`, "the token the connector presents: a string ('' for none), or a function returning one", c.token);
    }
    optionalFunction(c.describe, `${field}.describe`, 'return plain data a worker can build the connector from, or leave it out');
  });
}

function assertResolvers(value: unknown, field: string): void {
  const resolvers = optionalObject(value, field, '{ todos: "json-merge" }');
  if (resolvers === undefined) return;
  for (const [collection, spec] of Object.entries(resolvers)) {
    const at = `${field}.${collection}`;
    assertCollection(collection, at);
    const ok =
      (typeof spec === 'string' && isBuiltInResolverName(spec)) ||
      (typeof spec === 'object' && spec !== null && typeof (spec as ConflictResolver).name === 'string' && typeof (spec as ConflictResolver).fromEntry === 'function' && typeof (spec as ConflictResolver).merge === 'function');
    if (!ok) throw invalidOption(at, '"last-write-wins", "json-merge" or a resolver object with name, fromEntry() and merge()', spec);
  }
}

export interface ResolvedDataset {
  readonly datasetId: DatasetId;
  readonly options: DatasetOptions;
  readonly resolvers: Record<string, ResolverSpec>;
  /** Set for append datasets. */
  readonly buffer: ResolvedAppendOptions | undefined;
  readonly sinks: readonly SinkConfig[];
}

/** Validates the dataset section; errors name the field (`datasets.logs.syncInterval ...`). */
export function resolveDatasets(options: NodeOptions): ResolvedDataset[] {
  const input = options.datasets ?? { [PRIMARY_DATASET]: {} };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SluiceError('invalid_options', 'datasets must be an object keyed by dataset id, e.g. { primary: {}, logs: { kind: "append" } }.', { field: 'datasets' });
  }
  const out: ResolvedDataset[] = [];
  let templates = 0;
  for (const [id, config] of Object.entries(input)) {
    if (isTemplatePattern(id)) {
      templates++;
      continue;
    }
    assertDatasetId(id);
    const { resolvers, buffer, sinks, ...rest } = (config ?? {}) as DatasetConfig;
    const resolved = resolveDatasetOptions(id, rest);
    assertResolvers(resolvers, `datasets.${id}.resolvers`);
    if (buffer !== undefined && resolved.kind !== 'append') {
      throw new SluiceError('invalid_options', `datasets.${id}.buffer applies to append datasets only: set kind: 'append' or remove it.`, { field: `datasets.${id}.buffer` });
    }
    let bufferOptions: ResolvedAppendOptions | undefined;
    try {
      bufferOptions = resolved.kind === 'append' ? resolveAppendOptions(buffer) : undefined;
    } catch (error) {
      const field = `datasets.${id}.buffer.${String((error as SluiceError).details?.field ?? '')}`;
      throw new SluiceError('invalid_options', `${field}: ${(error as Error).message}`, { field });
    }
    if (sinks !== undefined && !Array.isArray(sinks)) throw new SluiceError('invalid_options', `datasets.${id}.sinks must be an array of sink configs.`, { field: `datasets.${id}.sinks` });
    if (sinks?.length && resolved.worker) {
      throw new SluiceError('invalid_options', `datasets.${id}.sinks: sinks given to createNode run in the node's thread (their writers are functions), so this dataset needs worker: false; or give them to serveDatasetWorker({ sinks }) in your own worker file.`, { field: `datasets.${id}.sinks` });
    }
    assertSinkList(sinks ?? [], `datasets.${id}.sinks`);
    out.push({ datasetId: id, options: resolved, resolvers: { ...(options.resolvers ?? {}), ...(resolvers ?? {}) }, buffer: bufferOptions, sinks: sinks ?? [] });
  }
  if (options.multiDataset === false) {
    const primary = out.filter((d) => d.datasetId === PRIMARY_DATASET);
    if (primary.length === 0) throw new SluiceError('invalid_options', 'multiDataset: false runs primary alone, but no primary dataset is configured.', { field: 'multiDataset' });
    return primary.filter((d) => d.options.enabled);
  }
  if (out.length === 0 && templates === 0) throw new SluiceError('invalid_options', 'datasets is empty: configure at least one dataset (or leave it out to run primary).', { field: 'datasets' });
  return out.filter((d) => d.options.enabled);
}

/** A template of datasets made per identity on a hub, with the options each instance gets. */
export interface ResolvedTemplate {
  readonly template: DatasetTemplate;
  readonly options: DatasetOptions;
  readonly resolvers: Record<string, ResolverSpec>;
}

/**
 * The dataset templates among `datasets` (`'user/{sub}': {}`). Their instances run in the hub's
 * thread, opened when a granted peer first asks for one: a worker per user would not scale.
 */
export function resolveTemplates(options: NodeOptions): ResolvedTemplate[] {
  const out: ResolvedTemplate[] = [];
  for (const [pattern, config] of Object.entries(options.datasets ?? {})) {
    if (!isTemplatePattern(pattern)) continue;
    const template = parseTemplate(pattern);
    const at = `datasets.${pattern}`;
    const { resolvers, buffer, sinks, worker, ...rest } = (config ?? {}) as DatasetConfig;
    for (const [field, value] of Object.entries({ buffer, sinks, worker })) {
      if (value !== undefined) throw new SluiceError('invalid_options', `${at}.${field}: a template's datasets run in the hub's thread, one per identity; ${field} applies to datasets configured by id only.`, { field: `${at}.${field}` });
    }
    assertResolvers(resolvers, `${at}.resolvers`);
    out.push({ template, options: { ...resolveDatasetOptions(template.name, rest, at), worker: false }, resolvers: { ...(options.resolvers ?? {}), ...(resolvers ?? {}) } });
  }
  return out;
}
