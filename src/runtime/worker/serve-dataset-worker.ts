/*
 * What a dataset worker runs: it builds one dataset pipeline from the plain config the node sends
 * and serves it to the node's thread through Comlink. The runtime's default worker (shipped with the
 * package) and an app's own worker file both call serveDatasetWorker(); they differ only in which
 * storage, connectors and resolvers they can open.
 */
import type { NormalizedQuery } from '../../store/query/query-spec.ts';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import type { Endpoint } from 'comlink';
import { SluiceError } from '../../core/errors.ts';
import type { Hlc } from '../../core/hlc.ts';
import type { ConflictResolver } from '../../core/resolvers/resolver.ts';
import { builtInResolver, type ResolverSpec } from '../../core/resolvers/registry.ts';
import { PortTransport, type PortLike } from '../../protocol/port-transport.ts';
import type { Connector, ConnectorDescriptor } from '../../protocol/transport.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../../store/snapshot-store.ts';
import type { StorageAdapter, StorageDescriptor } from '../../store/storage-adapter.ts';
import type { PeerIdentity } from '../../sync/peer-identity.ts';
import type { LocalOp } from '../../sync/replica.ts';
import type { RecordBatch } from '../../pipeline/record-batch.ts';
import { DatasetPipeline } from '../pipeline/dataset-pipeline.ts';
import type { DatasetRevoked, DocumentChange, PeerOp, PipelineApi } from '../pipeline/pipeline-api.ts';
import { registerErrorTransfer } from './error-transfer.ts';
import { serveTabs } from '../tabs/tab-server.ts';
import { loadOrCreateNodeId } from '../node-identity.ts';
import { assertSinkList } from '../../pipeline/sinks/sink-config.ts';
import type { SinkConfig } from '../../pipeline/sinks/sink-api.ts';
import type { WorkerPipelineConfig } from './worker-config.ts';

/** What a worker file can open. The node thread sends only plain data; these turn it into objects. */
export interface DatasetWorkerOptions {
  /** Opens the storage the node described (`storage.describe()` on the node's adapter). */
  openStorage(descriptor: StorageDescriptor): StorageAdapter | Promise<StorageAdapter>;
  /**
   * Opens a peer the node described (`connector.describe()`); needed only if the node dials peers.
   * For a peer whose token is a function (`tokenFromNode: true`), `descriptor.token` is a function
   * that fetches each token from the node's thread: pass it on as the connector's token.
   */
  openConnector?(descriptor: ConnectorDescriptor): Connector | Promise<Connector>;
  /**
   * Custom conflict resolvers by name. A collection configured on the node with a resolver object
   * whose `name` is listed here runs this worker's copy (functions cannot cross a thread boundary).
   */
  readonly resolvers?: Readonly<Record<string, ConflictResolver>>;
  /**
   * Lowers the calling thread's scheduling priority; called once at start for a dataset whose
   * `priority` is 'background'. The runtime's default worker passes its platform's way to do it; a
   * worker file without one runs at normal priority.
   */
  lowerThreadPriority?(): void;
  /**
   * Sinks per dataset id, run in this worker: they are functions, so they cannot come from the
   * node's options. A dataset shared by the tabs of an origin feeds them once, in the leader's worker.
   */
  readonly sinks?: Readonly<Record<string, readonly SinkConfig[]>>;
}

export interface WorkerService extends PipelineApi {
  /** `tokens(i)`: peer i's token, from the node's thread, for peers described with `tokenFromNode`. */
  start(config: WorkerPipelineConfig, tokens?: (peerIndex: number) => Promise<unknown>): Promise<void>;
  /** Serve a peer connection the node thread authenticated and relays over `port`. */
  serve(port: PortLike, remote: string, identity: PeerIdentity, heartbeatMs?: number): Promise<void>;
  /** Makes the worker die from an uncaught error, as a bug or an out-of-memory would (crash tests). */
  crash(): void;
}

/**
 * Serves one dataset pipeline over `endpoint`: the worker's global scope in a Web Worker (the
 * default), or `nodeEndpoint(parentPort)` in a Node worker_threads worker.
 */
export function serveDatasetWorker(options: DatasetWorkerOptions, endpoint: Endpoint = globalThis as unknown as Endpoint): void {
  if (typeof options?.openStorage !== 'function') {
    throw new SluiceError('invalid_options', 'serveDatasetWorker() needs openStorage(descriptor): a function that opens the storage the node describes.', { field: 'openStorage' });
  }
  registerErrorTransfer();
  Comlink.expose(datasetWorkerService(options), endpoint);
}

function datasetWorkerService(options: DatasetWorkerOptions): WorkerService {
  let pipeline: DatasetPipeline | undefined;
  let storage: StorageAdapter | undefined;
  let tabs: { close(): void } | undefined;
  const current = (): DatasetPipeline => {
    if (!pipeline) throw new SluiceError('store_closed', 'The dataset worker has no running pipeline: it was closed or has not started.');
    return pipeline;
  };
  return {
    async start(config, tokens) {
      if (config.settings.options.priority === 'background') options.lowerThreadPriority?.();
      storage = await options.openStorage(config.storage);
      const connectors = await Promise.all(config.peers.map((d, i) => openConnector(options, d, tokens && d.tokenFromNode === true ? () => tokens(i) : undefined)));
      const { resolvers, ...given } = config.settings;
      // A browser tab's node leaves the id to the worker that leads: only workers open storage.
      const settings = given.nodeId === '' ? { ...given, nodeId: await loadOrCreateNodeId(storage) } : given;
      const sinks = options.sinks?.[settings.datasetId] ?? [];
      assertSinkList(sinks, `serveDatasetWorker sinks.${settings.datasetId}`);
      pipeline = new DatasetPipeline({ ...settings, resolvers: resolveNamed(resolvers, options.resolvers ?? {}), ...(sinks.length > 0 ? { sinks } : {}) }, storage, connectors);
      await pipeline.start();
      if (config.share) tabs = serveTabs(config.share.channel, pipeline, settings.nodeId);
    },
    serve: (port: PortLike, remote: string, identity: PeerIdentity, heartbeatMs?: number) => current().serve(new PortTransport(port, remote), identity, heartbeatMs),
    write: (ops: LocalOp[]) => current().write(ops),
    ingest: (batch: RecordBatch, collection: string) => current().ingest(batch, collection),
    get: (collection: string, key: string) => current().get(collection, key),
    list: (collection: string) => current().list(collection),
    declareIndexes: (collection: string, indexes: string[][]) => current().declareIndexes(collection, indexes),
    query: (collection: string, query: NormalizedQuery) => current().query(collection, query),
    explain: (collection: string, query: NormalizedQuery) => current().explain(collection, query),
    readRecords: (after: Hlc | null, limit: number) => current().readRecords(after, limit),
    syncNow: () => current().syncNow(),
    exportSnapshot: () => current().exportSnapshot(),
    drainSinks: () => current().drainSinks(),
    managePeer: (op: PeerOp, peerId: string) => current().managePeer(op, peerId),
    importSnapshot: (snapshot: DatasetSnapshot, mode: SnapshotImportMode) => current().importSnapshot(snapshot, mode),
    maintainNow: () => current().maintainNow(),
    status: () => current().status(),
    setChangeListener: (listener: ((changes: DocumentChange[]) => void) | null) => current().setChangeListener(listener),
    setRevokedListener: (listener: ((event: DatasetRevoked) => void) | null) => current().setRevokedListener(listener),
    async close() {
      tabs?.close();
      tabs = undefined;
      await pipeline?.close();
      await storage?.close();
      pipeline = undefined;
    },
    crash() {
      setTimeout(() => {
        throw new Error('crash requested by the node');
      }, 0);
    },
  };
}

async function openConnector(options: DatasetWorkerOptions, descriptor: ConnectorDescriptor, fromNode?: () => Promise<unknown>): Promise<Connector> {
  if (!options.openConnector) {
    throw new SluiceError('invalid_options', `This dataset worker cannot dial peers (${descriptor.kind} ${descriptor.url}): give serveDatasetWorker() an openConnector(descriptor).`, { kind: descriptor.kind });
  }
  if (!fromNode) return options.openConnector(descriptor);
  // The node's token function, called across the thread boundary on every dial; a value that is not
  // a string fails the dial there, with auth_failed.
  return options.openConnector({ ...descriptor, token: fromNode as () => Promise<string> } as unknown as ConnectorDescriptor);
}

/** Resolver names from the node, turned back into resolvers: built-ins, then the worker's own. */
function resolveNamed(names: Readonly<Record<string, string>>, custom: Readonly<Record<string, ConflictResolver>>): Record<string, ResolverSpec> {
  const out: Record<string, ResolverSpec> = {};
  for (const [collection, name] of Object.entries(names)) {
    const resolver = builtInResolver(name) ?? custom[name];
    if (!resolver) {
      throw new SluiceError(
        'invalid_options',
        `Collection "${collection}" uses resolver "${name}", which this dataset worker does not have: list it in serveDatasetWorker({ resolvers: { '${name}': … } }) in your worker file.`,
        { collection, resolver: name },
      );
    }
    out[collection] = resolver;
  }
  return out;
}
