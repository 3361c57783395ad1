import { isValidDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import { isSluiceError, SluiceError } from '../../../src/core/errors.ts';
import { optionalInteger } from '../../../src/core/option-checks.ts';
import { CLOSE_CODES } from '../../../src/protocol/transport.ts';
import { DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL } from '../../../src/sync/auth.ts';
import { durableObjectStorage } from '../../storage/durable-object/index.ts';
import { DATASET_PARAM } from '../../transport/websocket/upgrade-params.ts';
import { EdgeHub } from './edge-hub.ts';
import { authFromEnv, datasetsFromEnv, DEFAULT_MAX_CONNECTIONS, type HubObjectOptions } from './hub-options.ts';
import { refusedUpgrade } from './refused-upgrade.ts';
import { DATASET_HEADER, PRINCIPAL_HEADER, TENANT_HEADER, TOKEN_DIGEST_HEADER } from './route-headers.ts';
import { liveAttachment, readAttachment, type SocketAttachment } from './socket-attachment.ts';
import { HibernatingTransport } from './socket-transport.ts';
import type { DurableObjectStateLike, HibernatableWebSocket, WebSocketPairCtor } from './workers-types.ts';

/**
 * What the object keeps about itself: it must know again, when it wakes with no request at hand,
 * which dataset (and tenant) it serves, and it serves those for good.
 */
const DATASET_KEY = 'sluice:dataset';
const TENANT_KEY = 'sluice:tenant';
/** RFC 6455 "message too big". */
const MESSAGE_TOO_BIG = 1009;
/** Text is not a frame: it reaches the connection as bytes no frame header parses (type 0). */
const NOT_A_FRAME = new Uint8Array([0, 0xff]);

/**
 * A sluice hub as a Durable Object: one object per dataset (or per tenant and dataset, as the
 * router names them), with the dataset in the object's own SQLite. Each instance of a template
 * (`user/u123` of `user/{sub}`) is a dataset, so an object of its own, made by its first granted
 * client. Re-export it from the Worker and bind it as a SQLite-backed class (see docs/edge.md);
 * route upgrades to it with routeToHub.
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
  /** The tenant the running hub serves (its dataset is the hub's own): known once started. */
  private tenant = '';

  constructor(
    protected readonly ctx: DurableObjectStateLike,
    protected readonly env: Env,
  ) {
    // A woken object serves its open sockets again before any event reaches it.
    void ctx.blockConcurrencyWhile(() => this.wake());
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
    const tenant = request.headers.get(TENANT_HEADER) ?? '';
    let hub: EdgeHub;
    try {
      hub = await this.hubFor(datasetId, tenant);
    } catch (error) {
      return refusal(error);
    }
    const options = this.options();
    const maxConnections = optionalInteger(options.maxConnections, 'maxConnections', { min: 1, max: 1_000_000 }) ?? DEFAULT_MAX_CONNECTIONS;
    if (this.ctx.getWebSockets().length >= maxConnections) {
      return refusedUpgrade(CLOSE_CODES.overloaded, { reason: `too_many_connections: this dataset's hub holds ${maxConnections} sockets` });
    }
    // Counted from the upgrade on, handshake or not, and across hibernation (tags outlive it).
    const principal = request.headers.get(PRINCIPAL_HEADER);
    const tags = principal === null ? [] : [`p:${principal}`];
    const perPrincipal = options.auth?.maxConnectionsPerPrincipal ?? DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL;
    if (principal !== null && this.ctx.getWebSockets(tags[0]).length >= perPrincipal) {
      return refusedUpgrade(CLOSE_CODES.overloaded, { reason: `too_many_connections: this principal already has ${perPrincipal} (limit ${perPrincipal})` });
    }
    const Pair = (globalThis as unknown as { WebSocketPair: WebSocketPairCtor }).WebSocketPair;
    const pair = new Pair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, tags);
    const base: SocketAttachment = { v: 1, id: crypto.randomUUID(), remote: request.headers.get('cf-connecting-ip') ?? 'edge' };
    server.serializeAttachment(base);
    const transport = this.track(base.id, new HibernatingTransport(server, base.remote));
    hub.accept(transport, (identity, session) => server.serializeAttachment(liveAttachment(base, identity, session)), request.headers.get(TOKEN_DIGEST_HEADER) ?? undefined);
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
    (await this.transportOf(socket))?.ended({ code, reason });
    try {
      // Completes the closing handshake; codes such as 1005 cannot be sent back, and need not be.
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  async webSocketError(socket: HibernatableWebSocket): Promise<void> {
    (await this.transportOf(socket))?.ended({ code: 1006, reason: 'socket error' });
  }

  /**
   * Pruning, on the platform's alarm: a timer would keep the object from hibernating. An object
   * nobody is connected to gets no new data, so it is not woken again until a client comes.
   */
  async alarm(): Promise<void> {
    const stored = await this.stored();
    if (stored === undefined) return;
    const hub = await this.hubFor(stored.datasetId, stored.tenant);
    await hub.maintain();
    if (this.ctx.getWebSockets().length > 0) await this.ctx.storage.setAlarm(Date.now() + hub.maintenanceInterval);
  }

  private options(): HubObjectOptions {
    return this.hubOptions(this.env);
  }

  private async stored(): Promise<{ datasetId: string; tenant: string } | undefined> {
    const datasetId = await this.ctx.storage.get<string>(DATASET_KEY);
    return datasetId === undefined ? undefined : { datasetId, tenant: (await this.ctx.storage.get<string>(TENANT_KEY)) ?? '' };
  }

  /** After an eviction: the hub starts again and serves every open socket, or closes them all saying why. */
  private async wake(): Promise<void> {
    const stored = await this.stored();
    if (stored === undefined) return;
    try {
      await this.hubFor(stored.datasetId, stored.tenant);
    } catch (error) {
      const reason = isSluiceError(error) ? `${error.code}: hub failed to start` : 'hub failed to start';
      for (const socket of this.ctx.getWebSockets()) closeQuietly(socket, CLOSE_CODES.shutdown, reason);
    }
  }

  /** The hub, started once per wake. */
  private hubFor(datasetId: string, tenant: string): Promise<EdgeHub> {
    this.hub ??= this.start(datasetId, tenant).catch((error: unknown) => {
      this.hub = undefined;
      throw error;
    });
    return this.hub.then((hub) => {
      if (hub.datasetId !== datasetId || this.tenant !== tenant) {
        throw new SluiceError('invalid_dataset_id', `This object serves dataset "${hub.datasetId}" of tenant "${this.tenant}", not "${datasetId}" of "${tenant}": route each to an object of its own.`, { datasetId });
      }
      return hub;
    });
  }

  private async start(datasetId: string, tenant: string): Promise<EdgeHub> {
    if (!isValidDatasetId(datasetId)) throw new SluiceError('invalid_dataset_id', `Invalid dataset id ${JSON.stringify(datasetId).slice(0, 60)}.`);
    const stored = await this.stored();
    if (stored !== undefined && (stored.datasetId !== datasetId || stored.tenant !== tenant)) {
      throw new SluiceError('invalid_dataset_id', `This object serves dataset "${stored.datasetId}" of tenant "${stored.tenant}", not "${datasetId}" of "${tenant}": route each to an object of its own.`, { datasetId });
    }
    const options = this.options();
    const auth = options.auth ?? authFromEnv(this.env as Readonly<Record<string, unknown>>);
    const hub = await EdgeHub.open(durableObjectStorage(this.ctx.storage), datasetId as DatasetId, options, auth);
    if (stored === undefined) {
      await this.ctx.storage.put(DATASET_KEY, datasetId);
      await this.ctx.storage.put(TENANT_KEY, tenant);
    }
    this.tenant = tenant;
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
        closeQuietly(socket, CLOSE_CODES.deadPeer, 'handshake interrupted: dial again');
        continue;
      }
      hub.resume(this.track(attachment.id, new HibernatingTransport(socket, attachment.remote)), attachment.live.identity, attachment.live.session);
    }
  }

  /** Known until it ends, however it ends (closed by the peer, by the hub, or failed). */
  private track(id: string, transport: HibernatingTransport): HibernatingTransport {
    this.transports.set(id, transport);
    transport.onEnded(() => this.transports.delete(id));
    return transport;
  }

  private async transportOf(socket: HibernatableWebSocket): Promise<HibernatingTransport | undefined> {
    const attachment = readAttachment(socket);
    if (attachment === undefined) return undefined;
    if (!this.transports.has(attachment.id)) {
      // Woken by this very event after a failed start: try once more, or close the socket saying why.
      const stored = await this.stored();
      if (stored !== undefined) {
        await this.hubFor(stored.datasetId, stored.tenant).catch(() => closeQuietly(socket, CLOSE_CODES.shutdown, 'hub failed to start'));
      }
    }
    return this.transports.get(attachment.id);
  }
}

function closeQuietly(socket: HibernatableWebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}

/** A refused upgrade, as an HTTP answer: these are configuration or routing errors, not a client's. */
function refusal(error: unknown): Response {
  if (isSluiceError(error, 'invalid_dataset_id')) return new Response(`sluice: ${error.message}`, { status: 404 });
  const message = isSluiceError(error) ? `${error.code}: ${error.message}` : 'internal error';
  return new Response(`sluice: ${message}`, { status: 500 });
}
