import type { DatasetId } from '../core/dataset-id.ts';
import { isSluiceError, SluiceError, type SluiceErrorCode } from '../core/errors.ts';
import { SUPPORTED_CODECS } from '../protocol/compression.ts';
import { FrameCodec } from '../protocol/frame-codec.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { CLOSE_CODES, type Connector } from '../protocol/transport.ts';
import { Connection, type Traffic } from './connection.ts';
import { Responder, type ResponderContext } from './responder.ts';
import { unexpected } from './recovery.ts';
import { presentToken, tokenExpiresAt } from './presented-token.ts';

/**
 * Live push flow control: the hub carries entries in at most this many notices before this node
 * has handled them and returned credit; past that it announces heads only, and this node pulls.
 */
export const NOTICE_CREDITS = 32;
/** Credit goes back in batches of this many handled notices. */
export const NOTICE_CREDIT_BATCH = 8;

export interface DialOptions {
  readonly maxFrameBytes: number;
  readonly heartbeatMs?: number;
  readonly requestTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Where the connection's bytes are counted as they cross. */
  readonly traffic?: Traffic;
}

/**
 * Opens a connection for one dataset and handshakes. A refused handshake closes the connection
 * and throws `auth_failed`; a handshake that does not grant the dataset throws `dataset_not_granted`.
 */
/** Refusal reasons that carry their own code; anything else is reported as auth_failed. */
const REFUSAL_CODES = ['too_many_connections', 'protocol_violation', 'storage_failure'] as const satisfies readonly SluiceErrorCode[];

export async function dial(connector: Connector, ctx: ResponderContext, datasetId: DatasetId, options: DialOptions): Promise<Connection> {
  // One token per dial: the upgrade (for a router) and the handshake must present the same one.
  const token = await presentToken(connector, options.signal);
  const transport = await connector.connect(options.signal, { datasetId, token });
  const responder = new Responder(ctx, 'dialer', [datasetId]);
  const connection = new Connection(transport, {
    role: 'dialer',
    codec: new FrameCodec({ maxFrameBytes: options.maxFrameBytes }),
    onRequest: responder.handle,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.traffic === undefined ? {} : { traffic: options.traffic }),
  });
  try {
    const reply = await connection.request({
      kind: 'handshakeRequest',
      nodeId: ctx.nodeId,
      authToken: token,
      compression: [...SUPPORTED_CODECS],
      collections: [],
      datasetId,
      extraDatasetIds: [],
      protocolVersion: PROTOCOL_VERSION,
      // The hub binds this connection's pushes to this key (see signatures.ts).
      publicKey: ctx.datasets.get(datasetId)?.replica.signer?.publicKey ?? '',
      pushOnly: ctx.datasets.get(datasetId)?.options.direction === 'push',
      noticeCredits: NOTICE_CREDITS,
    });
    if (reply.kind !== 'handshakeResponse') throw unexpected(reply, 'handshakeResponse');
    if (!reply.accepted) {
      // A hub's reason starts with its code (`too_many_connections: ...`); a refusal is auth_failed otherwise.
      const code = REFUSAL_CODES.find((c) => reply.reason.startsWith(`${c}:`)) ?? 'auth_failed';
      throw new SluiceError(code, `Peer ${connector.url} refused the handshake: ${reply.reason || 'no reason given'}.`, { url: connector.url });
    }
    connection.takesNoticeCredit = reply.takesNoticeCredit;
    if (!reply.grantedDatasetIds.includes(datasetId)) {
      const said = reply.reason === '' ? '' : ` (it says: ${reply.reason.slice(0, 200)})`;
      throw new SluiceError('dataset_not_granted', `Peer ${connector.url} does not grant dataset "${datasetId}" to this node${said}: configure it on the hub, or check its authorize() hook and the token's claims.`, { url: connector.url, datasetId, reason: reply.reason.slice(0, 200) });
    }
    connection.readOnly = reply.readOnlyDatasetIds.includes(datasetId);
    connection.tokenExpiresAt = tokenExpiresAt(token);
    connection.peerNodeId = reply.nodeId;
    connection.codec.codec = (SUPPORTED_CODECS as readonly string[]).includes(reply.compression) ? (reply.compression as (typeof SUPPORTED_CODECS)[number]) : '';
    return connection;
  } catch (error) {
    connection.close(1000, 'handshake failed');
    throw refusedByClose(error, connector.url);
  }
}

/** Close codes a hub refuses a handshake with, for when its close overtakes its answer. */
const REFUSING_CLOSES: Readonly<Record<number, SluiceErrorCode>> = {
  [CLOSE_CODES.authFailed]: 'auth_failed',
  [CLOSE_CODES.notGranted]: 'dataset_not_granted',
  [CLOSE_CODES.overloaded]: 'too_many_connections',
};

/**
 * A hub answers a refused handshake and then closes. Where the close arrives first (seen from an
 * edge hub in workerd, which may send a socket's close ahead of a message sent just before it),
 * the close code says what the answer would have said.
 */
function refusedByClose(error: unknown, url: string): unknown {
  if (!isSluiceError(error, 'connection_closed')) return error;
  const code = REFUSING_CLOSES[Number(error.details?.code)];
  return code === undefined ? error : new SluiceError(code, `Peer ${url} refused the handshake: ${String(error.details?.reason ?? '') || 'no reason given'}.`, { url }, { cause: error });
}
