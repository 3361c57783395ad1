import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../src/protocol/frame.ts';
import type { Transport } from '../../../src/protocol/transport.ts';
import type { HibernatingTransport } from './socket-transport.ts';
import { Acceptor } from '../../../src/runtime/acceptor.ts';
import { checkCreateOptions } from '../../../src/runtime/create-options.ts';
import { DatasetHost } from '../../../src/runtime/dataset-host.ts';
import { resolveTemplates } from '../../../src/runtime/node-options.ts';
import { loadOrCreateNodeId } from '../../../src/runtime/node-identity.ts';
import type { NodeOptions } from '../../../src/runtime/node-options.ts';
import type { StorageAdapter } from '../../../src/store/storage-adapter.ts';
import type { AcceptedSession } from '../../../src/sync/accepted-session.ts';
import type { AuthOptions } from '../../../src/sync/auth.ts';
import type { PeerIdentity } from '../../../src/sync/peer-identity.ts';
import { optionalFrameBytes } from '../../../src/core/option-checks.ts';
import { EdgeDatasets } from './edge-datasets.ts';
import { PLATFORM_MAX_MESSAGE_BYTES, type HubObjectOptions } from './hub-options.ts';

/**
 * One dataset's hub inside one object (a dataset named by id, or one instance of a template): the
 * dataset's pipeline in this thread (an object has no worker threads) behind the same Acceptor as
 * a Node hub, so handshakes, grants, authorship and live push are the Node hub's own code. What differs is the lifecycle: nothing here may keep a
 * timer running while idle (the object would never hibernate), so there are no heartbeats on the
 * hub side (the platform reports dead sockets) and pruning runs when the host asks.
 */
export class EdgeHub {
  private constructor(
    readonly nodeId: string,
    readonly datasetId: DatasetId,
    readonly maxFrameBytes: number,
    private readonly host: DatasetHost,
    private readonly acceptor: Acceptor,
    readonly maintenanceInterval: number,
  ) {}

  /**
   * `datasetId` is one the object's datasets name, or an instance of one of its templates: then it
   * is opened as a Node hub opens an instance for its first peer (DatasetHost.ensure), with the
   * template's options, and granted by the template filled from each handshake's claims.
   */
  static async open(storage: StorageAdapter, datasetId: DatasetId, options: HubObjectOptions, auth: AuthOptions): Promise<EdgeHub> {
    const configured = options.datasets ?? {};
    const template = new EdgeDatasets(Object.keys(configured), 'datasets').templateOf(datasetId);
    // Own keys only: "constructor" or "toString" are not datasets.
    const own = Object.hasOwn(configured, datasetId) ? configured[datasetId] : undefined;
    if (own === undefined && template === undefined) {
      throw new SluiceError('invalid_dataset_id', `This hub does not serve dataset "${datasetId}": list it, or a template it is an instance of, in the object's datasets (SLUICE_DATASETS, or hubOptions()).`, { datasetId });
    }
    const maxFrameBytes = optionalFrameBytes(options.maxFrameBytes, 'maxFrameBytes') ?? DEFAULT_MAX_FRAME_BYTES;
    if (maxFrameBytes > PLATFORM_MAX_MESSAGE_BYTES) {
      throw new SluiceError('invalid_options', `maxFrameBytes is ${maxFrameBytes}, but the platform refuses WebSocket messages above ${PLATFORM_MAX_MESSAGE_BYTES} bytes: use at most that.`, { field: 'maxFrameBytes' });
    }
    const nodeOptions: NodeOptions = {
      storage,
      auth,
      // Only what serves this object's dataset: an entry of its own, whose options win as on a Node
      // hub, and the template it is an instance of, which grants it by the token's claims even
      // beside such an entry. A template takes no `worker`: its instances run in the hub's thread.
      datasets: {
        ...(own === undefined ? {} : { [datasetId]: { ...own, worker: false } }),
        ...(template === undefined ? {} : { [template.pattern]: configured[template.pattern]! }),
      },
      maxFrameBytes,
      // Liveness is the platform's: it reports a dead socket to webSocketClose/webSocketError.
      heartbeatMs: 0,
      tabs: 'own',
      ...(options.resolvers === undefined ? {} : { resolvers: options.resolvers }),
      ...(options.maxClockDriftMs === undefined ? {} : { maxClockDriftMs: options.maxClockDriftMs }),
      ...(options.signing === undefined ? {} : { signing: options.signing }),
    };
    const named = checkCreateOptions(nodeOptions);
    const resolved = own === undefined ? resolveTemplates(nodeOptions)[0] : named[0];
    if (resolved === undefined) throw new SluiceError('invalid_dataset_id', `Dataset "${datasetId}" is configured with enabled: false on this hub.`, { datasetId });
    const nodeId = await loadOrCreateNodeId(storage);
    const host = new DatasetHost(nodeId, nodeOptions, named, maxFrameBytes, () => undefined, 'host');
    const acceptor = new Acceptor({
      nodeId,
      maxFrameBytes,
      defaultAuth: auth,
      defaultHeartbeatMs: 0,
      // The one dataset of this object: a handshake's other datasets are not granted here.
      served: { has: (id) => id === datasetId, templateOf: (id) => (id === datasetId ? template : undefined) },
      prepare: async () => () => undefined,
      workerFor: () => undefined,
      serveHere: (transport, identity, acceptOptions) => host.serveHere(transport, identity, acceptOptions),
    });
    // A JWT key that does not import fails here, not at the first handshake.
    await acceptor.authenticatorFor(auth).ready;
    await host.start();
    // The object serves its instance alone, for as long as it lives: opened now, before any socket
    // (one revived after hibernation included) is served, and never unpinned, so never let go.
    if (own === undefined) await host.ensure(datasetId);
    return new EdgeHub(nodeId, datasetId, maxFrameBytes, host, acceptor, resolved.options.maintenanceInterval);
  }

  /**
   * A new socket: authenticated by its handshake, then served; `onAccepted` keeps the session.
   * `upgradeTokenDigest`: the router verified a token at the upgrade, and the handshake must present it.
   */
  accept(transport: Transport, onAccepted: (identity: PeerIdentity, session: AcceptedSession) => void, upgradeTokenDigest: string | undefined): void {
    this.acceptor.accept(transport, { heartbeatMs: 0, closeAtTokenExpiry: false, onAccepted, ...(upgradeTokenDigest === undefined ? {} : { upgradeTokenDigest }) });
  }

  /**
   * A socket whose handshake was accepted before the object hibernated. It counts against its
   * principal's connection limit again until it closes.
   */
  resume(transport: HibernatingTransport, identity: PeerIdentity, session: AcceptedSession): void {
    transport.onEnded(this.acceptor.hold(identity));
    this.host.resume(transport, identity, session, { heartbeatMs: 0 });
  }

  /** Prunes the dataset (the object's alarm calls this every maintenanceInterval). */
  async maintain(): Promise<void> {
    await this.host.slot(this.datasetId).pipeline.maintainNow();
  }
}
