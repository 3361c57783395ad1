import { SluiceError, isSluiceError } from '../core/errors.ts';
import { PROTOCOL_VERSION, type HandshakeRequest, type Message } from '../protocol/messages.ts';
import { decodeFrame, encodeFrame } from '../protocol/wire-codec.ts';

/** How a hub turns a handshake down: a refusal (auth, overload), or a dataset it does not grant. */
export interface Refusal {
  readonly reason: string;
  /** The peer was authenticated but not granted the dataset: the dialer reports dataset_not_granted. */
  readonly notGranted?: boolean;
}

/** The answer to a handshake a hub refuses: one frame, sent before the hub closes the socket. */
export function refusalAnswer(m: HandshakeRequest, requestId: number, hub: { nodeId: string; maxFrameBytes: number }, refusal: Refusal): Uint8Array {
  const answer: Message = {
    kind: 'handshakeResponse',
    nodeId: hub.nodeId,
    // A dataset not granted is an accepted handshake that grants nothing: that is what the dialer reports as dataset_not_granted.
    accepted: refusal.notGranted === true,
    compression: '',
    collections: [],
    datasetId: m.datasetId,
    grantedDatasetIds: [],
    readOnlyDatasetIds: [],
    reason: refusal.reason,
    protocolVersion: PROTOCOL_VERSION,
    maxFrameBytes: hub.maxFrameBytes,
    takesNoticeCredit: false,
  };
  return encodeFrame(answer, requestId);
}

/** A first frame that is a handshake, or the typed error frame that says it is not. */
export function readHandshake(bytes: Uint8Array, maxFrameBytes: number): { handshake: HandshakeRequest; requestId: number } | { error: Uint8Array; code: string } {
  try {
    const decoded = decodeFrame(bytes, maxFrameBytes);
    if (decoded.message.kind !== 'handshakeRequest' || decoded.compressed) throw new SluiceError('protocol_violation', `Got ${decoded.message.kind} before the handshake.`);
    return { handshake: decoded.message, requestId: decoded.requestId };
  } catch (error) {
    // Say why in a typed error frame (request id 0: there may be none to answer).
    const code = isSluiceError(error) ? error.code : 'malformed_frame';
    const message = `${(error as Error).message} The first frame must be a handshake.`;
    return { error: encodeFrame({ kind: 'error', code, message, datasetId: 'primary' }, readRequestId(bytes)), code };
  }
}

/** The request id of a frame whose header is readable, else 0. */
function readRequestId(bytes: Uint8Array): number {
  return bytes.length >= 6 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true) : 0;
}
