import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '@noble/hashes/utils.js';
import { verifyEntryHash } from '../../src/core/oplog-entry.ts';
import { writeFrame } from '../../src/protocol/frame.ts';
import { MESSAGE_TYPES, type MessageKind } from '../../src/protocol/messages.ts';
import { decodeFrame, encodePayload } from '../../src/protocol/wire-codec.ts';
import { sampleEntries } from './message-samples.ts';

/*
 * A peer that predates datasets sends the same messages without any dataset_id field. Its frames
 * must decode as `primary`, and its entries (hashed as primary) must verify.
 */
const legacy = protobuf.loadSync(fileURLToPath(new URL('./fixtures/legacy-sync.proto', import.meta.url)));
const type = (name: string) => legacy.lookupType(`sluice.sync.v1.${name}`);

function legacyFrame(kind: MessageKind, name: string, value: Record<string, unknown>): Uint8Array {
  const t = type(name);
  return writeFrame(MESSAGE_TYPES[kind], 0, 1, t.encode(t.fromObject(value)).finish());
}

describe('legacy wire shape (no dataset_id)', () => {
  const entries = sampleEntries('primary');
  const wireEntries = entries.map((e) => ({
    collection: e.collection, key: e.key, op: e.op === 'put' ? 0 : 1, payload: e.payload ?? '',
    wall: e.hlc.wall, logic: e.hlc.logic, nodeId: e.hlc.nodeId, hash: hexToBytes(e.hash), prevHash: e.prevHash ? hexToBytes(e.prevHash) : new Uint8Array(),
  }));

  it('reads legacy requests as primary', () => {
    const cases: [MessageKind, string, Record<string, unknown>][] = [
      ['handshakeRequest', 'HandshakeRequest', { nodeId: 'old-node', authToken: 't', protocolVersion: 1 }],
      ['vectorClockRequest', 'VectorClockRequest', {}],
      ['pullChangesRequest', 'PullChangesRequest', { author: 'old-node', sinceWall: 5, sinceLogic: 1 }],
      ['pushChangesRequest', 'PushChangesRequest', { entries: wireEntries }],
      ['chainRangeRequest', 'ChainRangeRequest', { startHash: hexToBytes(entries[0]!.hash), endHash: hexToBytes(entries[2]!.hash) }],
      ['snapshotRequest', 'SnapshotRequest', {}],
      ['changeSet', 'ChangeSet', { entries: wireEntries }],
      ['ack', 'Ack', { success: true }],
    ];
    for (const [kind, name, value] of cases) {
      const m = decodeFrame(legacyFrame(kind, name, value), 1 << 22).message as { kind: string; datasetId: string };
      expect([m.kind, m.datasetId]).toEqual([kind, 'primary']);
    }
  });

  it('accepts legacy entries as primary entries whose hashes verify', () => {
    const m = decodeFrame(legacyFrame('pushChangesRequest', 'PushChangesRequest', { entries: wireEntries }), 1 << 22).message;
    if (m.kind !== 'pushChangesRequest') throw new Error('wrong kind');
    expect(m.entries).toEqual(entries);
    expect(m.entries.every(verifyEntryHash)).toBe(true);
  });

  it('our primary messages are readable by a legacy peer (dataset_id is simply absent)', () => {
    const bytes = encodePayload({ kind: 'changeSet', datasetId: 'primary', entries, hasMore: false, snapshotRequired: false });
    const decoded = type('ChangeSet').decode(bytes) as unknown as { entries: { key: string }[] };
    expect(decoded.entries.map((e) => e.key)).toEqual(entries.map((e) => e.key));
    // An empty dataset_id is not written at all in proto3, so primary frames are byte-identical to the legacy shape.
    const legacyBytes = type('ChangeSet').encode(type('ChangeSet').fromObject({ entries: wireEntries })).finish();
    expect(Buffer.from(bytes).equals(Buffer.from(legacyBytes))).toBe(true);
  });
});
