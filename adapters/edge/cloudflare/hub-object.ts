import { isValidDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import { isSluiceError, SluiceError } from '../../../src/core/errors.ts';
import { CLOSE_CODES } from '../../../src/protocol/transport.ts';
import { durableObjectStorage } from '../../storage/durable-object/index.ts';
import { DATASET_PARAM } from '../../transport/websocket/upgrade-params.ts';
import { EdgeHub } from './edge-hub.ts';
import { authFromEnv, datasetsFromEnv, DEFAULT_MAX_CONNECTIONS, type HubObjectOptions } from './hub-options.ts';
import { DATASET_HEADER } from './route-headers.ts';
import { liveAttachment, readAttachment, type SocketAttachment } from './socket-attachment.ts';
import { HibernatingTransport } from './socket-transport.ts';
import type { DurableObjectStateLike, HibernatableWebSocket, WebSocketPairCtor } from './workers-types.ts';

/** Where the object keeps which dataset it serves: it must know again when it wakes with no request at hand. */
const DATASET_KEY = 'sluice:dataset';
/** RFC 6455 "message too big". */
const MESSAGE_TOO_BIG = 1009;
/** Text is not a frame: it reaches the connection as bytes no frame header parses (type 0). */
const NOT_A_FRAME = new Uint8Array([0, 0xff]);

/**
 * A sluice hub as a Durable Object: one object per dataset (or per tenant and dataset, as the
 * router names them), with the dataset in the object's own SQLite. Re-export it from the Worker
 * and bind it as a SQLite-backed class (see docs/edge.md); route upgrades to it with routeToHub.
 *
 * Sockets are accepted with the hibernation API: an idle object is evicted from memory while its
 * clients stay connected. Each socket's handshake outcome lives in its attachment, so an object
 * that wakes serves every open socket again, as the same peer, without a new handshake.
 *
 * Configure it by overriding hubOptions(env); by default it reads SLUICE_* vars and secrets.
 */
export class SluiceHubObject<Env = Record<string, unknown>> {
  private hub: Promise<EdgeHub> | undefined;
  private readonly transports = new Map<string, HibernatingTransport>();

  constructor(
    protected readonly ctx: DurableObjectStateLike,
    protected readonly env: Env,
  ) {
    // A woken object serves its open sockets again before any event reaches it.
    void ctx.blockConcurrencyWhile(async () => {
      const datasetId = await ctx.storage.get<string>(DATASET_KEY);
      if (datasetId !== undefined) await this.hubFor(datasetId).catch(() => undefined);
    });
  }

  /** What this object serves, and to whom. Override to configure in code instead of SLUICE_* vars. */
  protected hubOptions(env: Env): HubObjectOptions {
    const vars = env as Readonly<Record<string, unknown>>;
    return { auth: authFromEnv(vars), datasets: datasetsFromEnv(vars) };
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('sluice: WebSocket only', { status: 426, headers: { upgrade: 'websocket' } });
    }
    const datasetId = request.headers.get(DATASET_HEADER) ?? new URL(request.url).searchParams.get(DATASET_PARAM) ?? 'primary';
    let hub: EdgeHub;
    try {
      hub = await this.hubFor(datasetId);
    } catch (error) {
      return refusal(error);
    }
    const options = this.options();
    if (this.ctx.getWebSockets().length >= (options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      return new Response('sluice: too many connections to this dataset', { status: 503, headers: { 'retry-after': '5' } });
    }
    const Pair = (globalThis as unknown as { WebSocketPair: WebSocketPairCtor }).WebSocketPair;
    const pair = new Pair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const base: SocketAttachment = { v: 1, id: crypto.randomUUID(), remote: request.headers.get('cf-connecting-ip') ?? 'edge' };
    server.serializeAttachment(base);
    const transport = new HibernatingTransport(server, base.remote);
    this.transports.set(base.id, transport);
    hub.accept(transport, (identity, session) => server.serializeAttachment(liveAttachment(base, identity, session)));
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
  }

  async webSocketMessage(socket: HibernatableWebSocket, message: ArrayBuffer | string): Promise<void> {
    const transport = await this.transportOf(socket);
    if (!transport) return;
    const hub = await this.hub!;
    const bytes = typeof message === 'string' ? NOT_A_FRAME : new Uint8Array(message);
    if (bytes.byteLength > hub.maxFrameBytes) {
      transport.close(MESSAGE_TOO_BIG, `frame above ${hub.maxFrameBytes} bytes`);
      return;
    }
    transport.deliver(bytes);
  }

  async webSocketClose(socket: HibernatableWebSocket, code: number, reason: string): Promise<void> {
    const transport = await this.transportOf(socket);
    this.forget(socket);
    transport?.ended({ code, reason });
    try {
      // Completes the closing handshake; codes such as 1005 cannot be sent back, and need not be.
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  async webSocketError(socket: HibernatableWebSocket): Promise<void> {
    const transport = await this.transportOf(socket);
    this.forget(socket);
    transport?.ended({ code: 1006, reason: 'socket error' });
  }

  /** Pruning, on the platform's alarm: a timer would keep the object from hibernating. */
  async alarm(): Promise<void> {
    const datasetId = await this.ctx.storage.get<string>(DATASET_KEY);
    if (datasetId === undefined) return;
    const hub = await this.hubFor(datasetId);
    try {
      await hub.maintain();
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + hub.maintenanceInterval);
    }
  }

  private options(): HubObjectOptions {
    return this.hubOptions(this.env);
  }

  /** The hub, started once per wake; an object serves one dataset for good. */
  private hubFor(datasetId: string): Promise<EdgeHub> {
    this.hub ??= this.start(datasetId).catch((error: unknown) => {
      this.hub = undefined;
      throw error;
    });
    return this.hub.then((hub) => {
      if (hub.datasetId !== datasetId) {
        throw new SluiceError('invalid_dataset_id', `This object serves dataset "${hub.datasetId}", not "${datasetId}": route each dataset to an object of its own.`, { datasetId });
      }
      return hub;
    });
  }

  private async start(datasetId: string): Promise<EdgeHub> {
    if (!isValidDatasetId(datasetId)) throw new SluiceError('invalid_dataset_id', `Invalid dataset id ${JSON.stringify(datasetId).slice(0, 60)}.`);
    const options = this.options();
    const auth = options.auth ?? authFromEnv(this.env as Readonly<Record<string, unknown>>);
    const hub = await EdgeHub.open(durableObjectStorage(this.ctx.storage), datasetId as DatasetId, options, auth);
    const stored = await this.ctx.storage.get<string>(DATASET_KEY);
    if (stored === undefined) await this.ctx.storage.put(DATASET_KEY, datasetId);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + hub.maintenanceInterval);
    this.revive(hub);
    return hub;
  }

  /**
   * After a wake: every socket whose handshake was accepted is served again as the same peer. A
   * socket caught mid-handshake lost the state it needs and is closed; its client dials again.
   */
  private revive(hub: EdgeHub): void {
    for (const socket of this.ctx.getWebSockets()) {
      const attachment = readAttachment(socket);
      if (attachment === undefined || this.transports.has(attachment.id)) continue;
      if (attachment.live === undefined) {
        try {
          socket.close(CLOSE_CODES.deadPeer, 'handshake interrupted: dial again');
        } catch {
          // already closed
        }
        continue;
      }
      const transport = new HibernatingTransport(socket, attachment.remote);
      this.transports.set(attachment.id, transport);
      hub.resume(transport, attachment.live.identity, attachment.live.session);
    }
  }

  private async transportOf(socket: HibernatableWebSocket): Promise<HibernatingTransport | undefined> {
    const attachment = readAttachment(socket);
    if (attachment === undefined) return undefined;
    if (!this.transports.has(attachment.id)) {
      // Woken by this very event: the constructor's start may still be under way, or may have failed.
      const datasetId = await this.ctx.storage.get<string>(DATASET_KEY);
      if (datasetId !== undefined) await this.hubFor(datasetId).catch(() => undefined);
    }
    return this.transports.get(attachment.id);
  }

  private forget(socket: HibernatableWebSocket): void {
    const attachment = readAttachment(socket);
    if (attachment !== undefined) this.transports.delete(attachment.id);
  }
}

/** A refused upgrade, as an HTTP answer the client's WebSocket reports as a failed connect. */
function refusal(error: unknown): Response {
  if (isSluiceError(error, 'invalid_dataset_id')) return new Response(`sluice: ${error.message}`, { status: 404 });
  const message = isSluiceError(error) ? `${error.code}: ${error.message}` : 'internal error';
  return new Response(`sluice: ${message}`, { status: 500 });
}
