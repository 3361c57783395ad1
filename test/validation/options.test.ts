import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { acceptOptions, resolveListenOptions } from '../../adapters/transport/websocket/listen-options.ts';
import { webTransport } from '../../adapters/transport/webtransport/client.ts';
import { isSluiceError, type SluiceErrorCode } from '../../src/core/errors.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import type { NodeOptions } from '../../src/runtime/node-options.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';

/*
 * Every public entry point checks its options once, at the boundary, and a bad one throws a
 * SluiceError with a stable code, `details.field` naming the option, and a message that names it
 * and says what to pass instead. Each case also runs its valid neighbours, so a check that refuses
 * too much fails here as surely as one that refuses too little.
 */

const KIB = 1024;
const MIB = 1024 * KIB;

/** The error a call throws or rejects with, as { code, field }; 'accepted' when it does not throw. */
async function outcome(work: () => unknown): Promise<{ code: SluiceErrorCode | string; field: unknown; message: string } | 'accepted'> {
  try {
    await work();
    return 'accepted';
  } catch (error) {
    if (!isSluiceError(error)) return { code: `not a SluiceError: ${(error as Error)?.name}`, field: undefined, message: String((error as Error)?.message) };
    return { code: error.code, field: error.details?.field, message: error.message };
  }
}

/** The expected outcome: that code and field, and a message that names the option (case aside). */
function refused(code: SluiceErrorCode, field: string) {
  const option = field.split('.')[0]!.replace(/\[\d+\]$/, '');
  return { code, field, message: expect.stringMatching(new RegExp(option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i')) };
}

describe('createNode options', () => {
  const nodes: SyncNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.close();
  });

  async function create(options: Partial<NodeOptions> & Record<string, unknown>): Promise<SyncNode> {
    const node = await createNode({ nodeId: 'n1', storage: memoryStorage(), heartbeatMs: 0, ...options } as NodeOptions);
    nodes.push(node);
    return node;
  }

  const cases: [field: string, bad: unknown[], good: unknown[]][] = [
    // 1 KiB .. 64 MiB, whole bytes
    ['maxFrameBytes', [-1, Number.NaN, 0, 1023, 4096.5, 64 * MIB + 1, 2 ** 40, Number.POSITIVE_INFINITY, '4096', null], [KIB, 4 * MIB, 64 * MIB]],
    // 0 is "no heartbeat" (Connection skips the timer); otherwise 10 ms .. 1 h
    ['heartbeatMs', [-5, Number.NaN, 5, 1.5, 3_600_001, '15000', true], [0, 10, 15_000, 3_600_000]],
    ['requestTimeoutMs', ['x', -1, 0, 9, Number.POSITIVE_INFINITY, 2.5, 3_600_001], [10, 30_000, 3_600_000]],
    // 0 tolerates no drift; at most 30 days
    ['maxClockDriftMs', [-1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, 'x', 30 * 24 * 3_600_000 + 1], [0, 60_000, 30 * 24 * 3_600_000]],
    ['metricsIntervalMs', [0, -1, Number.NaN, 'x', 9, 2 ** 31], [10, 1_000, 3_600_000]],
    ['multiDataset', ['no', 0, null], [true, false]],
    ['onWorkerCrash', ['log', 42, {}], [() => undefined]],
  ];
  for (const [field, bad, good] of cases) {
    it(`${field}: refuses ${bad.map((v) => (typeof v === 'number' || typeof v === 'boolean' || v === null ? String(v) : typeof v)).join(', ')}; accepts ${good.length} valid value(s)`, async () => {
      for (const value of bad) {
        expect(await outcome(() => create({ [field]: value })), `${field}: ${String(value)}`).toEqual(refused('invalid_options', field));
      }
      for (const value of good) {
        expect(await outcome(() => create({ [field]: value })), `${field}: ${String(value)}`).toBe('accepted');
      }
    });
  }

  it('dataset timers: at most 2^31 - 1 ms, the longest delay a timer honours (longer ones fire at once, in a loop)', async () => {
    for (const [datasets, field] of [
      [{ primary: { syncInterval: 2 ** 31 } }, 'datasets.primary.syncInterval'],
      [{ primary: { maintenanceInterval: Number.MAX_SAFE_INTEGER } }, 'datasets.primary.maintenanceInterval'],
      [{ logs: { kind: 'append', worker: false, buffer: { flushIntervalMs: 2 ** 31 } } }, 'datasets.logs.buffer.flushIntervalMs'],
    ] as [NodeOptions['datasets'], string][]) {
      expect(await outcome(() => create({ datasets })), field).toEqual(refused('invalid_options', field));
    }
    const longest = 2 ** 31 - 1;
    expect(await outcome(() => create({ datasets: { primary: { syncInterval: longest, maintenanceInterval: longest }, logs: { kind: 'append', worker: false, buffer: { flushIntervalMs: longest } } } }))).toBe('accepted');
  });

  it('refuses before touching storage or starting anything: no node id is written', async () => {
    const storage = memoryStorage();
    await expect(createNode({ storage, maxFrameBytes: -1 })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'maxFrameBytes' } });
    expect(await storage.open('primary').checkpoints.get('sluice:node-id')).toBeUndefined();
    const node = await createNode({ storage, heartbeatMs: 0 });
    nodes.push(node);
    expect(await storage.open('primary').checkpoints.get('sluice:node-id')).toBe(node.nodeId);
  });

  it('messages name the option, say what was given and what to pass', async () => {
    const error = await outcome(() => create({ maxFrameBytes: -1 }));
    expect(error).toMatchObject({ message: expect.stringMatching(/^maxFrameBytes must be a whole number of bytes from 1024 to 67108864, got -1: leave it out for the default 4 MiB/) });
    const heartbeat = await outcome(() => create({ heartbeatMs: -5 }));
    expect(heartbeat).toMatchObject({ message: expect.stringContaining('use 0 to turn heartbeats off') });
  });

  it('options and storage: a non-object or a missing storage', async () => {
    expect(await outcome(() => createNode(null as never))).toEqual(refused('invalid_options', 'options'));
    expect(await outcome(() => createNode([] as never))).toEqual(refused('invalid_options', 'options'));
    expect(await outcome(() => createNode({} as never))).toEqual(refused('invalid_options', 'storage'));
    expect(await outcome(() => createNode({ storage: 'memory' } as never))).toEqual(refused('invalid_options', 'storage'));
  });

  it('peers: an array of connectors, each with connect(), a url and a token', async () => {
    const fine = { url: 'ws://127.0.0.1:1', token: '', connect: () => new Promise<never>(() => undefined) };
    expect(await outcome(() => create({ peers: [42] as never }))).toEqual(refused('invalid_options', 'peers[0]'));
    expect(await outcome(() => create({ peers: [fine, null] as never }))).toEqual(refused('invalid_options', 'peers[1]'));
    expect(await outcome(() => create({ peers: [{ url: 'ws://x', token: '', connect: 'yes' }] as never }))).toEqual(refused('invalid_options', 'peers[0]'));
    expect(await outcome(() => create({ peers: [{ token: '', connect: fine.connect }] as never }))).toEqual(refused('invalid_options', 'peers[0].url'));
    expect(await outcome(() => create({ peers: [{ url: 'ws://x', connect: fine.connect }] as never }))).toEqual(refused('invalid_options', 'peers[0].token'));
    expect(await outcome(() => create({ peers: [{ ...fine, describe: 'ws' }] as never }))).toEqual(refused('invalid_options', 'peers[0].describe'));
    // not an array: a SluiceError naming peers, not a TypeError from deep inside
    for (const peers of ['ws://127.0.0.1:1', fine, 42, null]) {
      expect(await outcome(() => create({ peers: peers as never }))).toEqual(refused('invalid_options', 'peers'));
    }
    expect(await outcome(() => create({ peers: [] }))).toBe('accepted');
    expect(await outcome(() => create({ peers: [websocket('ws://127.0.0.1:1')], datasets: { primary: { syncInterval: 3_600_000 } } }))).toBe('accepted');
  });

  it('auth: token a non-empty string of at most 16 KiB, authorize a function', async () => {
    expect(await outcome(() => create({ auth: 42 as never }))).toEqual(refused('invalid_options', 'auth'));
    expect(await outcome(() => create({ auth: { token: 42 } as never }))).toEqual(refused('invalid_options', 'auth.token'));
    expect(await outcome(() => create({ auth: { token: '' } }))).toEqual(refused('invalid_options', 'auth.token'));
    expect(await outcome(() => create({ auth: { token: 'x'.repeat(16 * KIB + 1) } }))).toEqual(refused('invalid_options', 'auth.token'));
    expect(await outcome(() => create({ auth: { authorize: 'yes' } as never }))).toEqual(refused('invalid_options', 'auth.authorize'));
    expect(await outcome(() => create({ auth: { token: 'x'.repeat(16 * KIB) } }))).toBe('accepted');
    expect(await outcome(() => create({ auth: { token: 's3cret', authorize: () => true } as never }))).toBe('accepted');
  });

  it('nodeId: invalid_node_id naming the field, with a bounded message even for a huge value', async () => {
    for (const nodeId of [42, '', 'has space', 'a:b', 'x'.repeat(129), null, {}]) {
      expect(await outcome(() => create({ nodeId: nodeId as never })), String(nodeId)).toEqual(refused('invalid_node_id', 'nodeId'));
    }
    const huge = await outcome(() => create({ nodeId: 'x'.repeat(1_000_000) + ' ' }));
    expect(huge).toMatchObject({ code: 'invalid_node_id', field: 'nodeId' });
    expect((huge as { message: string }).message.length).toBeLessThan(400);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await outcome(() => create({ nodeId: cyclic as never }))).toEqual(refused('invalid_node_id', 'nodeId'));
    expect(await outcome(() => create({ nodeId: 'n-1.a_b~c' }))).toBe('accepted');
  });

  it('resolvers: per collection, a built-in name or a resolver object, at node and dataset level', async () => {
    expect(await outcome(() => create({ resolvers: 42 as never }))).toEqual(refused('invalid_options', 'resolvers'));
    expect(await outcome(() => create({ resolvers: { todos: 'nope' } as never }))).toEqual(refused('invalid_options', 'resolvers.todos'));
    expect(await outcome(() => create({ resolvers: { todos: { merge: () => null } } as never }))).toEqual(refused('invalid_options', 'resolvers.todos'));
    expect(await outcome(() => create({ resolvers: { 'bad name': 'json-merge' } }))).toEqual(refused('invalid_collection', 'resolvers.bad name'));
    expect(await outcome(() => create({ datasets: { primary: { resolvers: { items: 7 as never } } } }))).toEqual(refused('invalid_options', 'datasets.primary.resolvers.items'));
    expect(await outcome(() => create({ resolvers: { todos: 'json-merge' }, datasets: { primary: { resolvers: { items: 'last-write-wins' } } } }))).toBe('accepted');
  });
});

describe('collection(), subscribe(), putMany() and records() arguments', () => {
  const nodes: SyncNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.close();
  });

  for (const worker of [false, true]) {
    it(`refuses bad arguments with the same code and field in-process and in a worker (worker: ${worker})`, async () => {
      const node = await createNode({ nodeId: 'n1', storage: memoryStorage(), heartbeatMs: 0, datasets: { primary: {}, notes: { worker }, logs: { kind: 'append', worker } } });
      nodes.push(node);
      for (const name of ['', 'has space', '1starts-with-digit', 'x'.repeat(65), 42, null]) {
        expect(await outcome(() => node.collection(name as never, 'notes')), String(name)).toEqual(refused('invalid_collection', 'name'));
        expect(await outcome(() => node.dataset('notes').collection(name as never)), String(name)).toEqual(refused('invalid_collection', 'name'));
      }
      const huge = await outcome(() => node.collection('x'.repeat(1_000_000)));
      expect((huge as { message: string }).message.length).toBeLessThan(400);

      const items = node.collection('items', 'notes');
      for (const listener of ['nope', undefined, null, 42, {}]) {
        // synchronous: nothing is registered
        expect(() => items.subscribe(listener as never)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'listener' } }));
      }
      const stop = items.subscribe(() => undefined);
      stop();
      for (const listener of ['nope', undefined, 42]) {
        expect(() => node.on('metrics', listener as never)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'listener' } }));
      }
      expect(() => node.on('nope' as never, () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'event' } }));

      expect(await outcome(() => items.putMany('x' as never))).toEqual({ code: 'invalid_payload', field: 'documents', message: expect.stringContaining('putMany') });
      expect(await outcome(() => items.putMany([{ key: 'a', value: 1 }, null] as never))).toEqual({ code: 'invalid_payload', field: 'documents[1]', message: expect.stringContaining('documents[1]') });
      expect(await items.all()).toEqual([]);

      const logs = node.dataset('logs');
      for (const limit of [0, -1, 1.5, Number.NaN, 'x']) {
        expect(await outcome(() => logs.records(null, limit as never)), String(limit)).toEqual(refused('invalid_options', 'limit'));
      }
      for (const after of [42, 'x', { wall: -1, logic: 0, nodeId: 'a' }, { wall: 1 }]) {
        expect(await outcome(() => logs.records(after as never, 10)), JSON.stringify(after)).toMatchObject({ code: 'invalid_timestamp', field: 'after' });
      }
      expect(await logs.records(null, 50_000)).toEqual({ records: [], next: null });
      expect(await logs.records({ wall: 1, logic: 0, nodeId: 'a' }, 1)).toEqual({ records: [], next: null });
    });
  }
});

describe('websocket(url, options)', () => {
  it('refuses a bad URL or option with the field named', async () => {
    for (const [url, options, field] of [
      [42, {}, 'url'],
      ['not a url', {}, 'url'],
      ['http://127.0.0.1:1', {}, 'url'],
      ['ws://127.0.0.1:1', 'secret', 'options'],
      ['ws://127.0.0.1:1', null, 'options'],
      ['ws://127.0.0.1:1', { token: 42 }, 'token'],
      ['ws://127.0.0.1:1', { token: 'x'.repeat(16 * KIB + 1) }, 'token'],
      ['ws://127.0.0.1:1', { WebSocket: 'ws' }, 'WebSocket'],
      ['ws://127.0.0.1:1', { connectTimeoutMs: 0 }, 'connectTimeoutMs'],
      ['ws://127.0.0.1:1', { connectTimeoutMs: -1 }, 'connectTimeoutMs'],
      ['ws://127.0.0.1:1', { connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
      ['ws://127.0.0.1:1', { connectTimeoutMs: '100' }, 'connectTimeoutMs'],
      ['ws://127.0.0.1:1', { connectTimeoutMs: 1e9 }, 'connectTimeoutMs'],
      ['ws://127.0.0.1:1', { connectTimeoutMs: 1.5 }, 'connectTimeoutMs'],
    ] as [unknown, unknown, string][]) {
      expect(await outcome(() => websocket(url as never, options as never)), `${String(url)} ${JSON.stringify(options)}`).toEqual(refused('invalid_options', field));
    }
  });

  it('accepts what it documents, including the empty token a worker descriptor carries', () => {
    class Fake {
      constructor(readonly url: string) {}
    }
    const c = websocket('wss://hub.example:8787', { token: 's', WebSocket: Fake as never, connectTimeoutMs: 10 });
    expect(c.describe?.()).toEqual({ kind: 'websocket', url: 'wss://hub.example:8787', token: 's', connectTimeoutMs: 10 });
    const fromDescriptor = websocket('ws://127.0.0.1:1', { kind: 'websocket', url: 'ws://127.0.0.1:1', token: '' } as never);
    expect(fromDescriptor.token).toBe('');
    expect(websocket('ws://127.0.0.1:1', undefined).token).toBe('');
  });
});

describe('webTransport(url, options)', () => {
  it('refuses a bad URL or option with the field named', async () => {
    const url = 'https://127.0.0.1:1/';
    for (const [u, options, field] of [
      [42, {}, 'url'],
      ['wss://127.0.0.1:1', {}, 'url'],
      [url, 7, 'options'],
      [url, { token: 42 }, 'token'],
      [url, { connectTimeoutMs: -1 }, 'connectTimeoutMs'],
      [url, { connectTimeoutMs: 'soon' }, 'connectTimeoutMs'],
      [url, { maxFrameBytes: 100 }, 'maxFrameBytes'],
      [url, { maxFrameBytes: Number.NaN }, 'maxFrameBytes'],
      [url, { serverCertificateHashes: 'ab'.repeat(32) }, 'serverCertificateHashes'],
      [url, { serverCertificateHashes: Array.from({ length: 17 }, () => 'ab'.repeat(32)) }, 'serverCertificateHashes'],
      [url, { serverCertificateHashes: ['abc'] }, 'serverCertificateHashes[0]'],
      [url, { serverCertificateHashes: ['ab'.repeat(32), new Uint8Array(31)] }, 'serverCertificateHashes[1]'],
      [url, { serverCertificateHashes: [42] }, 'serverCertificateHashes[0]'],
    ] as [unknown, unknown, string][]) {
      expect(await outcome(() => webTransport(u as never, options as never)), `${String(u)} ${String(field)}`).toEqual(refused('invalid_options', field));
    }
  });

  it('accepts what it documents', () => {
    const c = webTransport('https://hub.example/', { token: 't', connectTimeoutMs: 600_000, maxFrameBytes: KIB, serverCertificateHashes: [new Uint8Array(32).fill(0xab)] });
    expect(c.describe?.()).toEqual({ kind: 'webtransport', url: 'https://hub.example/', token: 't', serverCertificateHashes: ['ab'.repeat(32)], connectTimeoutMs: 600_000, maxFrameBytes: KIB });
  });
});

describe('listen(node, options): resolveListenOptions, which acceptOptions runs for every server that calls it', () => {
  it('refuses a bad option with the field named', async () => {
    for (const [options, field] of [
      ['8787', 'options'],
      [{ port: -1 }, 'port'],
      [{ port: 65_536 }, 'port'],
      [{ port: 80.5 }, 'port'],
      [{ port: '80' }, 'port'],
      [{ host: '' }, 'host'],
      [{ host: 42 }, 'host'],
      [{ auth: 'secret' }, 'auth'],
      [{ auth: { token: 42 } }, 'auth.token'],
      [{ auth: { token: '' } }, 'auth.token'],
      [{ auth: { authorize: true } }, 'auth.authorize'],
      [{ maxConnections: 0 }, 'maxConnections'],
      [{ maxConnections: Number.NaN }, 'maxConnections'],
      [{ maxFrameBytes: -1 }, 'maxFrameBytes'],
      [{ maxFrameBytes: 128 * MIB }, 'maxFrameBytes'],
      [{ maxQueuedBytes: 0 }, 'maxQueuedBytes'],
      [{ maxQueuedBytes: 512 * MIB }, 'maxQueuedBytes'],
      [{ heartbeatMs: -5 }, 'heartbeatMs'],
      [{ heartbeatMs: 'often' }, 'heartbeatMs'],
      [{ handshakeTimeoutMs: 0 }, 'handshakeTimeoutMs'],
      [{ handshakeTimeoutMs: 600_001 }, 'handshakeTimeoutMs'],
    ] as [unknown, string][]) {
      expect(await outcome(() => resolveListenOptions(options)), JSON.stringify(options)).toEqual(refused('invalid_options', field));
      expect(await outcome(() => acceptOptions(options as never)), JSON.stringify(options)).toEqual(refused('invalid_options', field));
    }
  });

  it('fills in the defaults and passes the per-connection part on', () => {
    expect(resolveListenOptions(undefined)).toEqual({ port: 8787, host: '127.0.0.1', maxConnections: 1000, maxFrameBytes: undefined, accept: {} });
    const authorize = () => true;
    expect(resolveListenOptions({ port: 0, host: '::1', auth: { token: 't', authorize }, maxConnections: 2, maxFrameBytes: 64 * KIB, maxQueuedBytes: KIB, heartbeatMs: 0, handshakeTimeoutMs: 500, cert: 'PEM' })).toEqual({
      port: 0,
      host: '::1',
      maxConnections: 2,
      maxFrameBytes: 64 * KIB,
      accept: { auth: { token: 't', authorize }, heartbeatMs: 0, maxQueuedBytes: KIB, handshakeTimeoutMs: 500 },
    });
    expect(acceptOptions({ heartbeatMs: 100 })).toEqual({ heartbeatMs: 100 });
  });
});
