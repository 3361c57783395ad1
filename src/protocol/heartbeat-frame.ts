import { MESSAGE_TYPES } from './messages.ts';

/*
 * Heartbeats without the codec. An idle client's only traffic is a ping every heartbeat interval,
 * and a hub holds tens of thousands of idle clients, so the answer must cost next to nothing: no
 * protobuf decode or encode, no trip through the decode queue, and on a hub no trip to the worker
 * of the dataset. Ping and Pong have the same payload (field 1, a uint64 nonce, absent when 0), so
 * the pong is the ping's own bytes with the type changed: same request id, same nonce.
 *
 * Only a well-formed, uncompressed frame takes this path: header, then an empty payload or the
 * nonce's tag (0x08) and one varint of at most 10 bytes. Anything else goes through the codec and
 * its checks as before.
 */
const PING = MESSAGE_TYPES.ping;
const PONG = MESSAGE_TYPES.pong;
const HEADER_BYTES = 6;
const NONCE_TAG = 0x08;
const MAX_VARINT_BYTES = 10;

/** The pong that answers `frame` if it is a plain ping; undefined for every other frame. */
export function pongFor(frame: Uint8Array): Uint8Array | undefined {
  if (!isHeartbeat(frame, PING)) return undefined;
  const pong = frame.slice();
  pong[0] = PONG;
  return pong;
}

/** Whether `frame` is a plain pong, which needs no further handling than having arrived. */
export function isPongFrame(frame: Uint8Array): boolean {
  return isHeartbeat(frame, PONG);
}

function isHeartbeat(frame: Uint8Array, type: number): boolean {
  if (frame.length < HEADER_BYTES || frame[0] !== type || frame[1] !== 0) return false;
  const payload = frame.length - HEADER_BYTES;
  if (payload === 0) return true;
  if (payload < 2 || payload > 1 + MAX_VARINT_BYTES || frame[HEADER_BYTES] !== NONCE_TAG) return false;
  // A varint: every byte but the last has its high bit set.
  for (let i = HEADER_BYTES + 1; i < frame.length - 1; i++) if ((frame[i]! & 0x80) === 0) return false;
  return (frame[frame.length - 1]! & 0x80) === 0;
}
