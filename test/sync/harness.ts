import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import { websocket } from '../../adapters/transport/websocket/index.ts';
import { listen, type Listener, type ListenOptions } from '../../adapters/transport/websocket/node/server.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import type { NodeOptions } from '../../src/runtime/node-options.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';

/** Starts nodes and hubs on loopback and tears everything down after the test. */
export class Harness {
  private readonly nodes: SyncNode[] = [];
  private readonly listeners: Listener[] = [];
  private readonly dirs: string[] = [];

  /** Real SQLite files by default, one directory per node. */
  constructor(private readonly storageFactory: (name: string, dir: string) => StorageAdapter = (name, dir) => sqliteStorage({ path: join(dir, `${name}.db`) })) {}

  dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'sluice-test-'));
    this.dirs.push(d);
    return d;
  }

  storage(name: string): StorageAdapter {
    return this.storageFactory(name, this.dir());
  }

  async node(nodeId: string, options: Partial<NodeOptions> = {}): Promise<SyncNode> {
    const node = await createNode({ nodeId, storage: options.storage ?? this.storage(nodeId), heartbeatMs: 0, ...options, ...(options.datasets ? { datasets: options.datasets } : {}) });
    this.nodes.push(node);
    return node;
  }

  async hub(nodeId: string, options: Partial<NodeOptions> = {}, listenOptions: ListenOptions = {}): Promise<{ node: SyncNode; listener: Listener; url: string }> {
    const node = await this.node(nodeId, options);
    const listener = await listen(node, { port: 0, host: '127.0.0.1', ...listenOptions });
    this.listeners.push(listener);
    return { node, listener, url: listener.url };
  }

  peer(url: string, token?: string) {
    return websocket(url, token === undefined ? {} : { token });
  }

  async close(): Promise<void> {
    for (const l of this.listeners.splice(0)) await l.close();
    for (const n of this.nodes.splice(0)) await n.close().catch(() => undefined);
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
