import { PRIMARY_DATASET } from '../core/dataset-id.ts';
import { Acceptor } from './acceptor.ts';
import { Revocations } from './revocations.ts';
import { DatasetHost } from './dataset-host.ts';
import type { NodeParts, NodePartsContext } from './node-host.ts';

/** The parts of a node that runs its pipelines itself (in this thread or its workers) and serves peers. */
export function localNodeParts({ nodeId, options, datasets, maxFrameBytes, onWorkerCrash }: NodePartsContext): NodeParts {
  const host = new DatasetHost(nodeId, options, datasets, maxFrameBytes, onWorkerCrash);
  const acceptor = new Acceptor({
    nodeId,
    maxFrameBytes,
    defaultAuth: options.auth,
    defaultHeartbeatMs: options.heartbeatMs,
    served: host,
    prepare: (datasetId) => host.ensure(datasetId),
    workerFor: (datasetId) => host.workerFor(datasetId),
    serveHere: (transport, identity, acceptOptions) => host.serveHere(transport, identity, acceptOptions),
    // Kept beside the node's own id, in primary's checkpoints; read per handshake where other hubs write too.
    revocations: new Revocations(options.storage.open(PRIMARY_DATASET).checkpoints, options.storage.describe?.().sharedWriters === true, options.storage.broadcast),
  });
  return { host, serving: acceptor };
}
