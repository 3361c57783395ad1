import { WebSocket as NodeWebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode, type SyncNode } from 'sluice';
import { memoryStorage } from 'sluice/memory';
import { websocket } from 'sluice/websocket';
import { SignJWT } from 'jose';
import { bundleWorker, eventually, JWT_SECRET, scratchDir, signedToken, startEdge, tokenFor, type Edge, type WorkerBundle } from './workerd.ts';

/*
 * The edge hub in real workerd (Miniflare): the Worker of docs/edge.md bundled from the built
 * package, SluiceHubObject per dataset on Durable Object SQLite, routeToHub in front, and Node
 * clients built with the library's defaults. Clients cannot tell it from a Node hub: the same
 * createNode, websocket() and token.
 */

let bundle: WorkerBundle;
const dirs: { remove(): void }[] = [];
const nodes: SyncNode[] = [];
const edges: Edge[] = [];

beforeAll(async () => {
  bundle = await bundleWorker('test/edge/fixtures/worker.ts');
});

afterAll(async () => {
  await Promise.allSettled(nodes.map((n) => n.close()));
  await Promise.allSettled(edges.map((e) => e.dispose()));
  for (const d of dirs) d.remove();
});

async function edgeHub(persist?: string, port?: number, nodejsCompat = false): Promise<Edge> {
  let dir = persist;
  if (dir === undefined) {
    const scratch = scratchDir('sluice-edge-');
    dirs.push(scratch);
    dir = scratch.path;
  }
  const edge = await startEdge({ code: bundle.code, persist: dir, nodejsCompat, ...(port === undefined ? {} : { port }) });
  edges.push(edge);
  return edge;
}

/** Counts the sockets a client opens: a hub that hibernates must not make its clients dial again. */
function countingWebSocket(): { ctor: typeof NodeWebSocket; opened: () => number } {
  let opened = 0;
  class Counting extends NodeWebSocket {
    constructor(url: string) {
      super(url);
      opened++;
    }
  }
  return { ctor: Counting as typeof NodeWebSocket, opened: () => opened };
}

async function client(edge: Edge, nodeId: string, options: { logs?: 'push' | 'pull'; WebSocket?: typeof NodeWebSocket } = {}): Promise<SyncNode> {
  const node = await createNode({
    nodeId,
    storage: memoryStorage(),
    peers: [websocket(edge.url, { token: await tokenFor(nodeId), ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}) })],
    datasets: { primary: {}, logs: { kind: 'append', ...(options.logs ? { direction: options.logs } : {}) } },
  });
  nodes.push(node);
  return node;
}

async function recordsOf(node: SyncNode): Promise<unknown[]> {
  const out: unknown[] = [];
  let after = null;
  for (;;) {
    const page = await node.dataset('logs').records(after, 1000);
    out.push(...page.records);
    if (page.next === null) return out;
    after = page.next;
  }
}

describe('edge hub on Cloudflare (workerd through Miniflare)', () => {
  it('bundles for workerd with no Node-only module in the Worker', () => {
    const nodeOnly = bundle.inputs.filter((i) => i.startsWith('node:') || /node_modules\/(ws|better-sqlite3|postgres)\//.test(i) || /adapters\/runtime\/node\//.test(i));
    expect(nodeOnly).toEqual([]);
    expect(bundle.code).not.toMatch(/from\s*["']node:/);
    expect(bundle.inputs.some((i) => i.includes('dist/adapters/edge/cloudflare/hub-object.js'))).toBe(true);
  });

  // With nodejs_compat, workerd has a global Buffer whose utf8Write is not Node's: the hub must not use it.
  it.each([false, true])('syncs documents and append records between Node clients through the Worker and its objects, live (nodejs_compat: %s)', async (nodejsCompat) => {
    const edge = await edgeHub(undefined, undefined, nodejsCompat);
    const alice = await client(edge, 'alice');
    const bob = await client(edge, 'bob', { logs: 'pull' });
    // Bob is connected and live before Alice writes: what reaches him now is pushed.
    await bob.syncNow();
    await alice.collection('todos').put('t1', { title: 'from alice' });
    expect(await eventually('bob sees t1', () => bob.collection('todos').get('t1'))).toEqual({ title: 'from alice' });
    await bob.collection('todos').put('t2', { title: 'from bob' });
    expect(await eventually('alice sees t2', () => alice.collection('todos').get('t2'))).toEqual({ title: 'from bob' });

    const records = Array.from({ length: 500 }, (_, i) => ({ seq: i, level: 'info' }));
    await alice.dataset('logs').append(records);
    await alice.dataset('logs').flush();
    await alice.syncNow('logs');
    await bob.syncNow('logs');
    expect(await recordsOf(bob)).toEqual(records);
    // Each dataset has an object of its own, named for it.
    expect((await edge.mf.listDurableObjectIds('SLUICE_HUB')).length).toBe(2);
  });

  it('keeps its sockets through hibernation and serves them on as the same peers, losing nothing', async () => {
    const edge = await edgeHub();
    const aliceSockets = countingWebSocket();
    const bobSockets = countingWebSocket();
    const alice = await client(edge, 'alice', { WebSocket: aliceSockets.ctor });
    const bob = await client(edge, 'bob', { WebSocket: bobSockets.ctor });
    await alice.syncNow('primary');
    await bob.syncNow('primary');
    const opened = [aliceSockets.opened(), bobSockets.opened()];
    for (let round = 0; round < 3; round++) {
      await edge.hibernate('primary');
      // Live push after the wake: Bob's socket was served again before Alice's write arrived.
      await alice.collection('todos').put(`h${round}`, { round });
      expect(await eventually(`bob sees h${round}`, () => bob.collection('todos').get(`h${round}`))).toEqual({ round });
      await edge.hibernate('primary');
      await bob.collection('todos').put(`b${round}`, { round });
      expect(await eventually(`alice sees b${round}`, () => alice.collection('todos').get(`b${round}`))).toEqual({ round });
    }
    expect([aliceSockets.opened(), bobSockets.opened()]).toEqual(opened);
    const peers = (await alice.metrics()).primary!.peers;
    expect(peers.map((p) => [p.connected, p.failures])).toEqual([[true, 0]]);
  });

  it('refuses unauthenticated, unserved and ungranted upgrades in the Worker, as a hub refuses a handshake, before any object exists', async () => {
    const edge = await edgeHub();
    const outcome = async (nodeId: string, token: string, datasets: Record<string, object> = { primary: {} }, tokenInUrl = true) => {
      const node = await createNode({ nodeId, storage: memoryStorage(), peers: [websocket(edge.url, { token, tokenInUrl })], datasets });
      nodes.push(node);
      const [report] = await node.syncNow(Object.keys(datasets)[0]);
      await node.close();
      return report!.peers[0]!;
    };
    expect(await outcome('eve', '')).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(await outcome('eve', await tokenFor('eve'), undefined, false)).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(await outcome('eve', await tokenFor('eve', ['primary'], 'another-secret-of-the-same-length-xx'))).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(await outcome('eve', await tokenFor('eve', ['primary']), { logs: { kind: 'append', worker: false } })).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    // Granted everything, but only configured datasets have objects: not "nope", not Object.prototype's "constructor".
    expect(await outcome('eve', await tokenFor('eve', ['*']), { nope: {} })).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await outcome('eve', await tokenFor('eve', ['*']), { constructor: {} })).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect((await edge.mf.dispatchFetch('http://127.0.0.1/sync')).status).toBe(426);
    expect(await edge.mf.listDurableObjectIds('SLUICE_HUB')).toEqual([]);

    // A token holder still cannot act as another node: the object checks the handshake as a Node hub does.
    expect(await outcome('alice', await tokenFor('mallory'))).toMatchObject({ ok: false, code: 'auth_failed' });
  });

  it('serves a handshake only under the token its upgrade was authenticated with', async () => {
    const edge = await edgeHub();
    // Alice's token opens the socket; the handshake then presents another valid token, one that may relay.
    const aliceToken = await tokenFor('alice', ['primary']);
    class SwappedToken extends NodeWebSocket {
      constructor(url: string) {
        const upgrade = new URL(url);
        upgrade.searchParams.set('sluice_token', aliceToken);
        super(upgrade.toString());
      }
    }
    const relay = await new SignJWT({ datasets: ['primary'], relay: true }).setProtectedHeader({ alg: 'HS256' }).setSubject('svc').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));
    const node = await createNode({ nodeId: 'svc', storage: memoryStorage(), peers: [websocket(edge.url, { token: relay, WebSocket: SwappedToken as typeof NodeWebSocket })] });
    nodes.push(node);
    const [report] = await node.syncNow('primary');
    expect(report!.peers[0]).toMatchObject({ ok: false, code: 'auth_failed' });
  });

  it('closes a socket that sends a frame above maxFrameBytes with 1009, before anything reads it', async () => {
    const edge = await edgeHub();
    const socket = new NodeWebSocket(`${edge.url}/sync?sluice_dataset=primary&sluice_token=${await tokenFor('alice')}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(new Uint8Array(4 * 1024 * 1024 + 1));
    expect(await closed).toBe(1009);
  });

  it('hibernates by itself when idle, with clients connected (no timer of its own keeps it awake), and serves them on', async () => {
    const counting = await bundleWorker('test/edge/fixtures/counting-worker.ts');
    const scratch = scratchDir('sluice-edge-idle-');
    dirs.push(scratch);
    const edge = await startEdge({ code: counting.code, persist: scratch.path, binding: 'HUB', className: 'CountingHub' });
    edges.push(edge);
    // Clients ping every 15 s by default, and a ping wakes the object: these ping rarely.
    const open = async (nodeId: string, sockets: ReturnType<typeof countingWebSocket>) => {
      const node = await createNode({ nodeId, storage: memoryStorage(), heartbeatMs: 120_000, peers: [websocket(edge.url, { token: await tokenFor(nodeId), WebSocket: sockets.ctor })] });
      nodes.push(node);
      return node;
    };
    const aliceSockets = countingWebSocket();
    const bobSockets = countingWebSocket();
    const alice = await open('alice', aliceSockets);
    const bob = await open('bob', bobSockets);
    await alice.syncNow('primary');
    await bob.syncNow('primary');
    const constructions = async () => Number(await (await edge.mf.dispatchFetch('http://127.0.0.1/constructions?name=primary')).text());
    const before = await constructions();
    // workerd evicts an object whose sockets are all hibernatable after about 10 s without events;
    // asking for the count is an event, so it is asked only after a quiet spell.
    let after = before;
    for (let quiet = 0; quiet < 3 && after === before; quiet++) {
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      after = await constructions();
    }
    expect(after).toBeGreaterThan(before);
    await alice.collection('todos').put('after-idle', { ok: true });
    expect(await eventually('bob sees the write made after the object slept', () => bob.collection('todos').get('after-idle'))).toEqual({ ok: true });
    expect([aliceSockets.opened(), bobSockets.opened()]).toEqual([1, 1]);
  }, 90_000);

  it('counts connections per principal across hibernation: a woken object does not forget who is connected', async () => {
    const limited = await bundleWorker('test/edge/fixtures/limited-worker.ts');
    const scratch = scratchDir('sluice-edge-limited-');
    dirs.push(scratch);
    const edge = await startEdge({ code: limited.code, persist: scratch.path, binding: 'HUB', className: 'LimitedHub' });
    edges.push(edge);
    const open = async () => {
      const node = await createNode({ nodeId: 'alice', storage: memoryStorage(), peers: [websocket(edge.url, { token: await tokenFor('alice') })] });
      nodes.push(node);
      const [report] = await node.syncNow('primary');
      return report!.peers[0]!;
    };
    expect((await open()).ok).toBe(true);
    expect((await open()).ok).toBe(true);
    expect(await open()).toMatchObject({ ok: false, code: 'too_many_connections' });
    await edge.hibernate('primary');
    expect(await open()).toMatchObject({ ok: false, code: 'too_many_connections' });
  });

  it('keeps data and identity across a restart on its persisted storage; clients resume by themselves', async () => {
    const scratch = scratchDir('sluice-edge-restart-');
    dirs.push(scratch);
    let edge = await edgeHub(scratch.path);
    const port = edge.port;
    const alice = await client(edge, 'alice');
    const bob = await client(edge, 'bob');
    await alice.collection('todos').put('before', { n: 1 });
    await alice.syncNow('primary');
    const hubId = (await alice.metrics()).primary!.peers[0]!.peerNodeId;

    await edge.dispose();
    // Written while the hub is down: pushed when Alice's pipeline dials again.
    await alice.collection('todos').put('during', { n: 2 });
    edge = await edgeHub(scratch.path, port);

    expect(await eventually('bob gets the write made while the hub was down', () => bob.collection('todos').get('during'), 30_000)).toEqual({ n: 2 });
    expect((await alice.metrics()).primary!.peers[0]!.peerNodeId).toBe(hubId);
    const carol = await client(edge, 'carol');
    await carol.syncNow('primary');
    expect(Object.fromEntries((await carol.collection('todos').all()).map((d) => [d.key, d.value]))).toEqual({ before: { n: 1 }, during: { n: 2 } });
  }, 60_000);
});

describe('dataset templates on the edge hub', () => {
  // Per-user todos, per-team boards, and a per-user append log: the kind is the template's.
  const TEMPLATES = 'primary,user/{sub},team/{team}:documents,audit/{sub}:append';

  async function templateEdge(code = bundle.code, bindings: Record<string, string> = {}): Promise<Edge> {
    const scratch = scratchDir('sluice-edge-templates-');
    dirs.push(scratch);
    const edge = await startEdge({ code, persist: scratch.path, bindings: { SLUICE_DATASETS: TEMPLATES, ...bindings } });
    edges.push(edge);
    return edge;
  }

  interface Member {
    readonly nodeId: string;
    /** The token's sub: the node id unless the node is one of sub's devices (the nodes claim). */
    readonly sub?: string;
    readonly claims?: Record<string, unknown>;
    readonly datasets: Record<string, object>;
    readonly token?: string;
  }

  async function member(edge: Edge, m: Member): Promise<SyncNode> {
    const token = m.token ?? (await signedToken(m.sub ?? m.nodeId, m.claims ?? {}));
    const node = await createNode({ nodeId: m.nodeId, storage: memoryStorage(), peers: [websocket(edge.url, { token })], datasets: m.datasets });
    nodes.push(node);
    return node;
  }

  /** One round of `datasetId`: the peer's outcome. */
  async function round(node: SyncNode, datasetId: string) {
    const [report] = await node.syncNow(datasetId);
    return report!.peers[0]!;
  }

  /** The object ids the hub has made, and those that `names` would have (idFromName is the platform's). */
  async function objectIds(edge: Edge, names?: readonly string[]): Promise<string[]> {
    if (names === undefined) return (await edge.mf.listDurableObjectIds('SLUICE_HUB')).sort();
    const namespace = (await edge.mf.getDurableObjectNamespace('SLUICE_HUB')) as unknown as { idFromName(name: string): { toString(): string } };
    return (await Promise.all(names.map((name) => namespace.idFromName(name).toString()))).sort();
  }

  it("serves each user's own dataset and each team's shared one, each instance an object of its own made by its first client", async () => {
    const edge = await templateEdge();
    // Alice syncs from two devices (her phone by the token's nodes claim); Bob is in her team.
    const alice = await member(edge, { nodeId: 'alice', claims: { team: 'acme' }, datasets: { 'user/alice': {}, 'team/acme': {}, 'audit/alice': { kind: 'append', worker: false } } });
    const phone = await member(edge, { nodeId: 'alice-phone', sub: 'alice', claims: { team: 'acme', nodes: ['alice-phone'] }, datasets: { 'user/alice': {}, 'audit/alice': { kind: 'append', direction: 'pull', worker: false } } });
    const bob = await member(edge, { nodeId: 'bob', claims: { team: ['acme', 'beta'] }, datasets: { 'user/bob': {}, 'team/acme': {} } });

    await alice.collection('todos', undefined, 'user/alice').put('a1', { title: "alice's todo" });
    await alice.collection('boards', undefined, 'team/acme').put('n1', { by: 'alice' });
    await bob.collection('todos', undefined, 'user/bob').put('b1', { title: "bob's todo" });
    await bob.collection('boards', undefined, 'team/acme').put('n2', { by: 'bob' });
    const records = [{ seq: 1, event: 'login' }, { seq: 2, event: 'logout' }];
    await alice.dataset('audit/alice').append(records);
    await alice.dataset('audit/alice').flush();
    for (const [node, datasetId] of [[alice, 'user/alice'], [alice, 'team/acme'], [alice, 'audit/alice'], [bob, 'user/bob'], [bob, 'team/acme']] as const) {
      expect(await round(node, datasetId)).toMatchObject({ ok: true });
    }
    for (const [node, datasetId] of [[phone, 'user/alice'], [phone, 'audit/alice'], [alice, 'team/acme']] as const) {
      expect(await round(node, datasetId)).toMatchObject({ ok: true });
    }

    expect(await phone.collection('todos', undefined, 'user/alice').get('a1')).toEqual({ title: "alice's todo" });
    expect(await phone.dataset('audit/alice').records(null, 10)).toMatchObject({ records });
    expect(await alice.collection('boards', undefined, 'team/acme').get('n2')).toEqual({ by: 'bob' });
    expect(await eventually('bob gets the board note', () => bob.collection('boards', undefined, 'team/acme').get('n1'))).toEqual({ by: 'alice' });
    // Live push within an instance, as in any dataset, after the instance's object hibernated: it
    // opens its instance again on waking, before serving the sockets it kept.
    await edge.hibernate('team/acme');
    await alice.collection('boards', undefined, 'team/acme').put('n3', { by: 'alice, later' });
    expect(await eventually('bob sees n3 pushed', () => bob.collection('boards', undefined, 'team/acme').get('n3'))).toEqual({ by: 'alice, later' });
    // Nothing of one user's dataset reaches another's: each instance is its own dataset.
    expect((await bob.collection('todos', undefined, 'user/bob').all()).map((d) => d.key)).toEqual(['b1']);
    expect((await phone.collection('todos', undefined, 'user/alice').all()).map((d) => d.key)).toEqual(['a1']);

    // The object applies the template's kind: audit/alice is an append dataset, and refuses documents.
    const script = await member(edge, { nodeId: 'alice-script', sub: 'alice', claims: { nodes: ['alice-script'] }, datasets: { 'audit/alice': { kind: 'documents' } } });
    await script.collection('events', undefined, 'audit/alice').put('e1', { not: 'a record batch' });
    expect(await round(script, 'audit/alice')).toMatchObject({ ok: false, code: 'invalid_payload' });

    // One object per instance, named after it; nothing for primary, which nobody asked for.
    expect(await objectIds(edge)).toEqual(await objectIds(edge, ['user/alice', 'user/bob', 'team/acme', 'audit/alice']));
  });

  it("refuses another user's or team's instance in the Worker with dataset_not_granted, making no object", async () => {
    const edge = await templateEdge();
    const alice = await member(edge, { nodeId: 'alice', claims: { team: 'acme' }, datasets: { 'user/alice': {} } });
    await alice.collection('todos', undefined, 'user/alice').put('a1', { secret: true });
    expect(await round(alice, 'user/alice')).toMatchObject({ ok: true });
    const before = await objectIds(edge);

    const mallory = await member(edge, { nodeId: 'mallory', claims: { team: 'evil' }, datasets: { 'user/alice': {}, 'team/acme': {}, 'user/carol': {}, 'user/mallory/x': {} } });
    for (const datasetId of ['user/alice', 'team/acme', 'user/carol']) {
      expect(await round(mallory, datasetId)).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    }
    // Not an instance of any template (one segment too many): not served at all.
    expect(await round(mallory, 'user/mallory/x')).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    // A claim holding '/' fills no segment: it cannot reach into another dataset.
    const slash = await member(edge, { nodeId: 'slash', claims: { team: 'acme/../../user/alice' }, datasets: { 'user/alice': {} } });
    expect(await round(slash, 'user/alice')).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    // A shared token proves nobody's identity: it is granted no instance.
    const shared = await templateEdge(bundle.code, { SLUICE_JWT_SECRET: '', SLUICE_TOKEN: 'a-shared-development-token' });
    const anyone = await member(shared, { nodeId: 'alice', token: 'a-shared-development-token', datasets: { 'user/alice': {} } });
    expect(await round(anyone, 'user/alice')).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await objectIds(shared)).toEqual([]);

    expect(await objectIds(edge)).toEqual(before);
    expect(await mallory.collection('todos', undefined, 'user/alice').all()).toEqual([]);
  });

  it("grants an instance inside the object too, by the template: what a lax router lets through learns nothing", async () => {
    // This router grants any verified token anything; the objects still check the handshake by SLUICE_DATASETS' templates.
    const lax = await bundleWorker('test/edge/fixtures/lax-router-worker.ts');
    const edge = await templateEdge(lax.code);
    const alice = await member(edge, { nodeId: 'alice', datasets: { 'user/alice': {} } });
    await alice.collection('todos', undefined, 'user/alice').put('a1', { secret: true });
    expect(await round(alice, 'user/alice')).toMatchObject({ ok: true });
    const mallory = await member(edge, { nodeId: 'mallory', datasets: { 'user/alice': {} } });
    expect(await round(mallory, 'user/alice')).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await mallory.collection('todos', undefined, 'user/alice').all()).toEqual([]);
  });

  it("names an instance's object tenant:dataset where the router names tenants", async () => {
    const tenants = await bundleWorker('test/edge/fixtures/tenant-worker.ts');
    const edge = await templateEdge(tenants.code);
    const alice = await member(edge, { nodeId: 'alice', claims: { org: 'acme.io', team: 'ops' }, datasets: { 'user/alice': {}, 'team/ops': {} } });
    const bob = await member(edge, { nodeId: 'bob', claims: { org: 'other.io', team: 'ops' }, datasets: { 'team/ops': {} } });
    await alice.collection('boards', undefined, 'team/ops').put('n1', { org: 'acme.io' });
    for (const datasetId of ['user/alice', 'team/ops']) expect(await round(alice, datasetId)).toMatchObject({ ok: true });
    expect(await round(bob, 'team/ops')).toMatchObject({ ok: true });
    // The same team name in two tenants: two datasets, two objects, nothing shared.
    expect(await bob.collection('boards', undefined, 'team/ops').all()).toEqual([]);
    expect(await objectIds(edge)).toEqual(await objectIds(edge, ['acme.io:user/alice', 'acme.io:team/ops', 'other.io:team/ops']));
  });
});
