import { assertNodeId } from '../core/hlc.ts';
import type { NodeOptions } from './node-options.ts';
import { checkCreateOptions } from './create-options.ts';
import { SyncNode } from './sync-node.ts';
import { localNodeParts } from './local-node-parts.ts';
import { loadOrCreateNodeId } from './node-identity.ts';

/**
 * Creates and starts a node. `createNode({ storage, peers })` runs `primary` alone. Every option is
 * checked first (see NodeOptions for the bounds): a bad one throws a SluiceError whose
 * `details.field` names it, before any storage is touched or any worker is started.
 */
export async function createNode(options: NodeOptions): Promise<SyncNode> {
  const datasets = checkCreateOptions(options);
  const nodeId = options.nodeId === undefined ? await loadOrCreateNodeId(options.storage) : assertNodeId(options.nodeId, 'nodeId');
  const node = new SyncNode(nodeId, options, datasets, localNodeParts);
  await node.start();
  return node;
}

