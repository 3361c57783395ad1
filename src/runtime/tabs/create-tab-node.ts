import { DEFAULT_MAX_FRAME_BYTES } from '../../protocol/frame.ts';
import { checkCreateOptions } from '../create-options.ts';
import type { NodeOptions } from '../node-options.ts';
import { SyncNode } from '../sync-node.ts';
import { keepsOwnPipeline } from './shared-dataset.ts';
import { SharedTabsHost } from './shared-tabs-host.ts';
import { sharedStorageKey } from './shared-storage-key.ts';

/**
 * createNode as a browser page gets it (the package's `browser` entry). With the default
 * `tabs: 'shared'` every dataset runs in a worker that one of the origin's tabs leads, so the page
 * loads only this thin client. A node that keeps a pipeline in the page (`tabs: 'own'`, a dataset
 * with `worker: false` or with sinks) loads the full engine on demand, as a separate chunk.
 */
export async function createNode(options: NodeOptions): Promise<SyncNode> {
  const datasets = checkCreateOptions(options);
  const storageKey = (options.tabs ?? 'shared') === 'shared' ? sharedStorageKey(options.storage) : null;
  if (storageKey === null || datasets.some((d) => keepsOwnPipeline(options, d))) {
    return (await import('../create-node.ts')).createNode(options);
  }
  let crashed: (datasetId: string, reason: string) => void = () => undefined;
  const host = new SharedTabsHost(options, datasets, storageKey, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, (id, reason) => crashed(id, reason));
  let nodeId: string;
  try {
    nodeId = await host.join();
  } catch (error) {
    await host.stop().catch(() => undefined);
    throw error;
  }
  const node = new SyncNode(nodeId, options, datasets, (context) => {
    crashed = context.onWorkerCrash;
    return { host, serving: null };
  });
  await node.start();
  return node;
}
