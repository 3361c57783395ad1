import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { normalizeDatasetId, PRIMARY_DATASET, type DatasetId } from '../core/dataset-id.ts';
import { SluiceError, isSluiceError } from '../core/errors.ts';
import { assertDecodedEntry, assertEntry, type OplogEntry } from '../core/oplog-entry.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/ed25519.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import { sluice } from './generated/sync.pb.js';
// Resolved by the package's import conditions: protobufjs's fastest writer, except on workerd.
import { createWriter } from '#sluice/protobuf-writer';
import { FLAG_COMPRESSED, readFrame, writeFrame } from './frame.ts';
import { KIND_BY_TYPE, MESSAGE_TYPES, type Message, type MessageKind } from './messages.ts';

/*
 * Domain messages <-> protobuf payloads. Decoding is where untrusted bytes become typed values, so
 * every decoded message is validated here: dataset ids normalised (empty -> primary) and checked,
 * entries structurally validated, hashes exactly 32 bytes. Hash *verification* is the session's job.
 */

const pb = sluice.sync.v1;
const EMPTY = new Uint8Array(0);

export interface DecodedFrame {
  readonly requestId: number;
  readonly compressed: boolean;
  readonly message: Message;
}

/** Encodes a message into a complete, uncompressed frame. */
export function encodeFrame(message: Message, requestId: number): Uint8Array {
  return writeFrame(MESSAGE_TYPES[message.kind], 0, requestId, encodePayload(message));
}

/** Re-frames an already encoded frame with a compressed payload. */
export function withCompressedPayload(frame: Uint8Array, compressed: Uint8Array): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return writeFrame(frame[0]!, frame[1]! | FLAG_COMPRESSED, view.getUint32(2, true), compressed);
}

export function encodePayload(m: Message): Uint8Array {
  switch (m.kind) {
    case 'handshakeRequest':
      return pb.HandshakeRequest.encode({
        nodeId: m.nodeId,
        authToken: m.authToken,
        compression: [...m.compression],
        collections: [...m.collections],
        datasetId: wireDataset(m.datasetId),
        extraDatasetIds: [...m.extraDatasetIds],
        protocolVersion: m.protocolVersion,
        publicKey: m.publicKey === '' ? EMPTY : hexToBytes(m.publicKey),
        pushOnly: m.pushOnly,
        noticeCredits: m.noticeCredits,
      }, createWriter()).finish();
    case 'handshakeResponse':
      return pb.HandshakeResponse.encode({
        nodeId: m.nodeId,
        accepted: m.accepted,
        compression: m.compression,
        collections: [...m.collections],
        datasetId: wireDataset(m.datasetId),
        grantedDatasetIds: [...m.grantedDatasetIds],
        readOnlyDatasetIds: [...m.readOnlyDatasetIds],
        reason: m.reason,
        protocolVersion: m.protocolVersion,
        maxFrameBytes: m.maxFrameBytes,
        takesNoticeCredit: m.takesNoticeCredit,
      }, createWriter()).finish();
    case 'vectorClockRequest':
      return pb.VectorClockRequest.encode({ datasetId: wireDataset(m.datasetId) }, createWriter()).finish();
    case 'vectorClockResponse':
      return pb.VectorClockResponse.encode({ datasetId: wireDataset(m.datasetId), heads: m.heads.map(headToWire), boundaries: m.boundaries.map(headToWire) }, createWriter()).finish();
    case 'pullChangesRequest':
      return pb.PullChangesRequest.encode({
        datasetId: wireDataset(m.datasetId),
        author: m.author ?? '',
        sinceWall: m.since?.wall ?? 0,
        sinceLogic: m.since?.logic ?? 0,
        collections: [...m.collections],
        maxEntries: m.maxEntries,
        maxBytes: m.maxBytes,
      }, createWriter()).finish();
    case 'changeSet':
      return pb.ChangeSet.encode({ datasetId: wireDataset(m.datasetId), entries: m.entries.map(entryToWire), hasMore: m.hasMore, snapshotRequired: m.snapshotRequired }, createWriter()).finish();
    case 'pushChangesRequest':
      return pb.PushChangesRequest.encode({ datasetId: wireDataset(m.datasetId), entries: m.entries.map(entryToWire) }, createWriter()).finish();
    case 'ack':
      return pb.Ack.encode({ datasetId: wireDataset(m.datasetId), success: m.success, snapshotRequired: m.snapshotRequired, applied: m.applied.map(headToWire) }, createWriter()).finish();
    case 'chainRangeRequest':
      return pb.ChainRangeRequest.encode({ datasetId: wireDataset(m.datasetId), startHash: hashToWire(m.startHash), endHash: hashToWire(m.endHash) }, createWriter()).finish();
    case 'chainRangeResponse':
      return pb.ChainRangeResponse.encode({ datasetId: wireDataset(m.datasetId), entries: m.entries.map(entryToWire), snapshotRequired: m.snapshotRequired }, createWriter()).finish();
    case 'snapshotRequest':
      return pb.SnapshotRequest.encode({ datasetId: wireDataset(m.datasetId) }, createWriter()).finish();
    case 'snapshotChunk':
      return pb.SnapshotChunk.encode({ datasetId: wireDataset(m.datasetId), data: m.data, isLast: m.isLast, index: m.index }, createWriter()).finish();
    case 'error':
      return pb.Error.encode({ code: m.code, message: m.message, datasetId: wireDataset(m.datasetId) }, createWriter()).finish();
    case 'ping':
      return pb.Ping.encode({ nonce: m.nonce }, createWriter()).finish();
    case 'pong':
      return pb.Pong.encode({ nonce: m.nonce }, createWriter()).finish();
    case 'noticeCredit':
      return pb.NoticeCredit.encode({ datasetId: wireDataset(m.datasetId), notices: m.notices }, createWriter()).finish();
    case 'headsAdvanced':
      return pb.HeadsAdvanced.encode({ datasetId: wireDataset(m.datasetId), heads: m.heads.map(headToWire), entries: m.entries.map(entryToWire) }, createWriter()).finish();
  }
}

/**
 * Decodes an uncompressed frame. Throws SluiceError: frame_too_large, malformed_frame,
 * unknown_message_type, or the validation code of a bad field (invalid_dataset_id, invalid_entry, ...).
 */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes: number): DecodedFrame {
  const raw = readFrame(bytes, maxFrameBytes);
  const kind = KIND_BY_TYPE.get(raw.type);
  if (kind === undefined) {
    throw new SluiceError('unknown_message_type', `Unknown message type ${raw.type}: the peer speaks a newer protocol or sent garbage.`, { type: raw.type });
  }
  return { requestId: raw.requestId, compressed: (raw.flags & FLAG_COMPRESSED) !== 0, message: (raw.flags & FLAG_COMPRESSED) !== 0 ? placeholder(kind) : decodePayload(kind, raw.payload) };
}

/** A compressed frame's message is decoded after decompression; see decodeFramePayload. */
function placeholder(kind: MessageKind): Message {
  return { kind } as Message;
}

export function decodePayload(kind: MessageKind, payload: Uint8Array): Message {
  try {
    return decodeChecked(kind, payload);
  } catch (error) {
    if (isSluiceError(error)) throw error;
    throw new SluiceError('malformed_frame', `Malformed ${kind} payload: ${(error as Error).message}.`, { kind }, { cause: error });
  }
}

function decodeChecked(kind: MessageKind, payload: Uint8Array): Message {
  switch (kind) {
    case 'handshakeRequest': {
      const w = pb.HandshakeRequest.decode(payload);
      return {
        kind,
        nodeId: w.nodeId ?? '',
        authToken: w.authToken ?? '',
        compression: w.compression ?? [],
        collections: w.collections ?? [],
        datasetId: normalizeDatasetId(w.datasetId),
        extraDatasetIds: (w.extraDatasetIds ?? []).map((d) => normalizeDatasetId(d)),
        protocolVersion: w.protocolVersion ?? 0,
        publicKey: bytesFromWire(w.publicKey, PUBLIC_KEY_BYTES, 'public key'),
        pushOnly: w.pushOnly ?? false,
        noticeCredits: w.noticeCredits ?? 0,
      };
    }
    case 'handshakeResponse': {
      const w = pb.HandshakeResponse.decode(payload);
      return {
        kind,
        nodeId: w.nodeId ?? '',
        accepted: w.accepted ?? false,
        compression: w.compression ?? '',
        collections: w.collections ?? [],
        datasetId: normalizeDatasetId(w.datasetId),
        grantedDatasetIds: (w.grantedDatasetIds ?? []).map((d) => normalizeDatasetId(d)),
        readOnlyDatasetIds: (w.readOnlyDatasetIds ?? []).map((d) => normalizeDatasetId(d)),
        reason: w.reason ?? '',
        protocolVersion: w.protocolVersion ?? 0,
        maxFrameBytes: w.maxFrameBytes ?? 0,
        takesNoticeCredit: w.takesNoticeCredit ?? false,
      };
    }
    case 'vectorClockRequest':
      return { kind, datasetId: normalizeDatasetId(pb.VectorClockRequest.decode(payload).datasetId) };
    case 'vectorClockResponse': {
      const w = pb.VectorClockResponse.decode(payload);
      return { kind, datasetId: normalizeDatasetId(w.datasetId), heads: (w.heads ?? []).map(headFromWire), boundaries: (w.boundaries ?? []).map(headFromWire) };
    }
    case 'pullChangesRequest': {
      const w = pb.PullChangesRequest.decode(payload);
      const wall = checkWall(w.sinceWall ?? 0);
      const logic = w.sinceLogic ?? 0;
      return {
        kind,
        datasetId: normalizeDatasetId(w.datasetId),
        author: w.author ? w.author : null,
        since: wall === 0 && logic === 0 ? null : { wall, logic },
        collections: w.collections ?? [],
        maxEntries: w.maxEntries ?? 0,
        maxBytes: w.maxBytes ?? 0,
      };
    }
    case 'changeSet': {
      const w = pb.ChangeSet.decode(payload);
      const datasetId = normalizeDatasetId(w.datasetId);
      return { kind, datasetId, entries: (w.entries ?? []).map((e) => entryFromWire(e, datasetId)), hasMore: w.hasMore ?? false, snapshotRequired: w.snapshotRequired ?? false };
    }
    case 'pushChangesRequest': {
      const w = pb.PushChangesRequest.decode(payload);
      const datasetId = normalizeDatasetId(w.datasetId);
      return { kind, datasetId, entries: (w.entries ?? []).map((e) => entryFromWire(e, datasetId)) };
    }
    case 'ack': {
      const w = pb.Ack.decode(payload);
      return { kind, datasetId: normalizeDatasetId(w.datasetId), success: w.success ?? false, snapshotRequired: w.snapshotRequired ?? false, applied: (w.applied ?? []).map(headFromWire) };
    }
    case 'chainRangeRequest': {
      const w = pb.ChainRangeRequest.decode(payload);
      return { kind, datasetId: normalizeDatasetId(w.datasetId), startHash: hashFromWire(w.startHash, true), endHash: hashFromWire(w.endHash, false) };
    }
    case 'chainRangeResponse': {
      const w = pb.ChainRangeResponse.decode(payload);
      const datasetId = normalizeDatasetId(w.datasetId);
      return { kind, datasetId, entries: (w.entries ?? []).map((e) => entryFromWire(e, datasetId)), snapshotRequired: w.snapshotRequired ?? false };
    }
    case 'snapshotRequest':
      return { kind, datasetId: normalizeDatasetId(pb.SnapshotRequest.decode(payload).datasetId) };
    case 'snapshotChunk': {
      const w = pb.SnapshotChunk.decode(payload);
      return { kind, datasetId: normalizeDatasetId(w.datasetId), data: w.data ?? EMPTY, isLast: w.isLast ?? false, index: w.index ?? 0 };
    }
    case 'error': {
      const w = pb.Error.decode(payload);
      return { kind, code: w.code ?? '', message: w.message ?? '', datasetId: normalizeDatasetId(w.datasetId) };
    }
    case 'ping':
      return { kind, nonce: checkWall(pb.Ping.decode(payload).nonce ?? 0) };
    case 'pong':
      return { kind, nonce: checkWall(pb.Pong.decode(payload).nonce ?? 0) };
    case 'noticeCredit': {
      const w = pb.NoticeCredit.decode(payload);
      return { kind, datasetId: normalizeDatasetId(w.datasetId), notices: w.notices ?? 0 };
    }
    case 'headsAdvanced': {
      const w = pb.HeadsAdvanced.decode(payload);
      const datasetId = normalizeDatasetId(w.datasetId);
      return { kind, datasetId, heads: (w.heads ?? []).map(headFromWire), entries: (w.entries ?? []).map((e) => entryFromWire(e, datasetId)) };
    }
  }
}

/** `primary` is written as an absent field: legacy peers read it the same way, and it costs no bytes. */
function wireDataset(datasetId: DatasetId): string {
  return datasetId === PRIMARY_DATASET ? '' : datasetId;
}

function entryToWire(e: OplogEntry): sluice.sync.v1.Entry.$Properties {
  return {
    collection: e.collection,
    key: e.key,
    op: e.op === 'put' ? pb.Op.OP_PUT : pb.Op.OP_DELETE,
    payload: e.payload ?? '',
    wall: e.hlc.wall,
    logic: e.hlc.logic,
    nodeId: e.hlc.nodeId,
    hash: hexToBytes(e.hash),
    prevHash: e.prevHash === '' ? EMPTY : hexToBytes(e.prevHash),
    signature: e.signature === undefined ? EMPTY : hexToBytes(e.signature),
  };
}

function entryFromWire(w: sluice.sync.v1.Entry.$Properties, datasetId: DatasetId): OplogEntry {
  const op = w.op === pb.Op.OP_DELETE ? 'delete' : w.op === pb.Op.OP_PUT || w.op === undefined ? 'put' : undefined;
  if (op === undefined) throw new SluiceError('invalid_entry', `Unknown entry operation ${String(w.op)}.`);
  // The hashes and the signature were made hex here from bytes of checked lengths.
  return assertDecodedEntry({
    datasetId,
    collection: w.collection ?? '',
    key: w.key ?? '',
    op,
    payload: op === 'delete' ? null : (w.payload ?? ''),
    hlc: { wall: checkWall(w.wall ?? 0), logic: w.logic ?? 0, nodeId: w.nodeId ?? '' },
    hash: hashFromWire(w.hash, false),
    prevHash: hashFromWire(w.prevHash, true),
    signature: bytesFromWire(w.signature, PUBLIC_KEY_BYTES + SIGNATURE_BYTES, 'signature'),
  });
}

/** Optional fixed-size bytes as hex: '' when absent, `malformed_frame` on any other length. */
function bytesFromWire(bytes: Uint8Array | null | undefined, size: number, what: string): string {
  if (bytes === undefined || bytes === null || bytes.length === 0) return '';
  if (bytes.length !== size) throw new SluiceError('malformed_frame', `A ${what} of ${bytes.length} bytes: expected ${size}.`);
  return bytesToHex(bytes);
}

function headToWire(h: AuthorHead): sluice.sync.v1.AuthorHead.$Properties {
  return { nodeId: h.nodeId, wall: h.hlc.wall, logic: h.hlc.logic, hash: hexToBytes(h.hash) };
}

function headFromWire(w: sluice.sync.v1.AuthorHead.$Properties): AuthorHead {
  const nodeId = w.nodeId ?? '';
  const entry = assertEntry({
    // Reuse the entry validator for node id, HLC and hash shape.
    collection: '_',
    key: '_',
    op: 'delete',
    payload: null,
    hlc: { wall: checkWall(w.wall ?? 0), logic: w.logic ?? 0, nodeId },
    hash: hashFromWire(w.hash, false),
    prevHash: '',
  });
  return { nodeId, hlc: entry.hlc, hash: entry.hash };
}

function hashToWire(hex: string): Uint8Array {
  return hex === '' ? EMPTY : hexToBytes(hex);
}

function hashFromWire(bytes: Uint8Array | null | undefined, allowEmpty: boolean): string {
  if (bytes === undefined || bytes === null || bytes.length === 0) {
    if (allowEmpty) return '';
    throw new SluiceError('invalid_entry', 'Missing hash: expected 32 bytes.');
  }
  if (bytes.length !== 32) throw new SluiceError('invalid_entry', `Hash of ${bytes.length} bytes: expected 32.`);
  return bytesToHex(bytes);
}

/**
 * int64 fields decode as a number or, above 2^32, as protobufjs's bundled Long. Walls must be
 * non-negative safe integers; anything else is rejected rather than rounded.
 */
function checkWall(raw: number | { low: number; high: number }): number {
  const wall = typeof raw === 'number' ? raw : raw.high * 0x1_0000_0000 + (raw.low >>> 0);
  if (!Number.isSafeInteger(wall) || wall < 0) throw new SluiceError('invalid_timestamp', `Wall time ${String(wall)} is not a non-negative safe integer.`);
  return wall;
}
