import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from '../../src/protocol/frame.ts';
import { MESSAGE_TYPES } from '../../src/protocol/messages.ts';
import { decodeFrame, encodePayload } from '../../src/protocol/wire-codec.ts';
import { writeFrame } from '../../src/protocol/frame.ts';
import { AckSchema, ChangeSetSchema, HandshakeRequestSchema, NoticeCreditSchema, Op, PullChangesRequestSchema, PushChangesRequestSchema, VectorClockResponseSchema } from './generated/sync_pb.ts';
import type { OplogEntry } from '../../src/core/oplog-entry.ts';
import { sampleMessages } from './message-samples.ts';

/*
 * protobuf-es is generated from the same proto/sync.proto by a different toolchain (buf +
 * protoc-gen-es). If both codecs agree in both directions, the .proto — not our code — is the contract.
 */

// The entries the sample messages carry (the last one signed).
const entries = (sampleMessages('logs').find((m) => m.kind === 'changeSet') as { entries: readonly OplogEntry[] }).entries;

function esEntries() {
  return entries.map((e) => ({
    collection: e.collection,
    key: e.key,
    op: e.op === 'put' ? Op.PUT : Op.DELETE,
    payload: e.payload ?? '',
    wall: BigInt(e.hlc.wall),
    logic: e.hlc.logic,
    nodeId: e.hlc.nodeId,
    hash: hexToBytes(e.hash),
    prevHash: e.prevHash === '' ? new Uint8Array() : hexToBytes(e.prevHash),
    signature: e.signature === undefined ? new Uint8Array() : hexToBytes(e.signature),
  }));
}

describe('cross-implementation (protobuf-es <-> protobufjs)', () => {
  it('decodes protobuf-es encodings of every sync-state message', () => {
    const es = [
      { kind: 'changeSet', bytes: toBinary(ChangeSetSchema, create(ChangeSetSchema, { datasetId: 'logs', entries: esEntries(), hasMore: true })) },
      { kind: 'pushChangesRequest', bytes: toBinary(PushChangesRequestSchema, create(PushChangesRequestSchema, { datasetId: 'logs', entries: esEntries() })) },
      {
        kind: 'handshakeRequest',
        bytes: toBinary(HandshakeRequestSchema, create(HandshakeRequestSchema, { nodeId: 'node-a', authToken: 's3cret', compression: ['deflate-raw', 'gzip'], collections: ['todos'], datasetId: 'logs', extraDatasetIds: ['timeseries'], protocolVersion: 1, publicKey: hexToBytes('ab'.repeat(32)), pushOnly: true, noticeCredits: 32 })),
      },
      { kind: 'noticeCredit', bytes: toBinary(NoticeCreditSchema, create(NoticeCreditSchema, { datasetId: 'logs', notices: 8 })) },
      {
        kind: 'pullChangesRequest',
        bytes: toBinary(PullChangesRequestSchema, create(PullChangesRequestSchema, { datasetId: 'logs', author: 'node-a', sinceWall: 1_700_000_000_000n, sinceLogic: 3, collections: ['todos'], maxEntries: 1000, maxBytes: 1_048_576 })),
      },
    ] as const;
    const ours = new Map(sampleMessages('logs').map((m) => [m.kind, m]));
    for (const { kind, bytes } of es) {
      const decoded = decodeFrame(writeFrame(MESSAGE_TYPES[kind], 0, 1, bytes), 1 << 22).message;
      expect(decoded).toEqual(ours.get(kind));
    }
  });

  it('protobuf-es decodes our encodings field for field', () => {
    const byKind = new Map(sampleMessages('logs').map((m) => [m.kind, m]));
    const changeSet = fromBinary(ChangeSetSchema, encodePayload(byKind.get('changeSet')!));
    expect(changeSet.datasetId).toBe('logs');
    expect(changeSet.hasMore).toBe(true);
    expect(changeSet.entries.map((e) => [e.key, e.op, e.payload, e.wall, e.logic, e.nodeId, bytesToHex(e.hash), bytesToHex(e.prevHash)])).toEqual(
      entries.map((e) => [e.key, e.op === 'put' ? Op.PUT : Op.DELETE, e.payload ?? '', BigInt(e.hlc.wall), e.hlc.logic, e.hlc.nodeId, e.hash, e.prevHash]),
    );
    const ack = fromBinary(AckSchema, encodePayload(byKind.get('ack')!));
    expect([ack.datasetId, ack.success, ack.snapshotRequired, ack.applied[0]?.nodeId, bytesToHex(ack.applied[0]!.hash)]).toEqual(['logs', true, true, 'node-a', entries[2]!.hash]);
    const clock = fromBinary(VectorClockResponseSchema, encodePayload(byKind.get('vectorClockResponse')!));
    expect(clock.heads.map((h) => [h.nodeId, h.wall, h.logic])).toEqual([['node-a', BigInt(entries[2]!.hlc.wall), entries[2]!.hlc.logic]]);
  });

  it('produces identical bytes for the same message', () => {
    const ours = encodePayload({ kind: 'changeSet', datasetId: 'logs', entries, hasMore: true, snapshotRequired: false });
    const theirs = toBinary(ChangeSetSchema, create(ChangeSetSchema, { datasetId: 'logs', entries: esEntries(), hasMore: true }));
    expect(bytesToHex(ours)).toBe(bytesToHex(theirs));
    expect(FRAME_HEADER_BYTES).toBe(6);
  });
});
