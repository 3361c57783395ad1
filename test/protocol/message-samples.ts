import { createEntry, type OplogEntry } from '../../src/core/oplog-entry.ts';
import type { Message } from '../../src/protocol/messages.ts';

export function sampleEntries(datasetId = 'primary', count = 3): OplogEntry[] {
  const out: OplogEntry[] = [];
  let prev = '';
  for (let i = 0; i < count; i++) {
    const op = i === count - 1 && count > 1 ? 'delete' : 'put';
    const e = createEntry({ datasetId, collection: 'todos', key: `k${i}`, op, value: { i, title: `todo ${i} ✓` }, hlc: { wall: 1_700_000_000_000 + i, logic: i, nodeId: 'node-a' }, prevHash: prev });
    out.push(e);
    prev = e.hash;
  }
  return out;
}

/** One message of every kind, with non-default values in every field. */
export function sampleMessages(datasetId = 'logs'): Message[] {
  const entries = sampleEntries(datasetId);
  // A signed head: the signature field travels like every other (its validity is not the codec's business).
  entries[2] = { ...entries[2]!, signature: 'cd'.repeat(96) };
  const head = { nodeId: 'node-a', hlc: entries[2]!.hlc, hash: entries[2]!.hash };
  return [
    { kind: 'handshakeRequest', nodeId: 'node-a', authToken: 's3cret', compression: ['deflate-raw', 'gzip'], collections: ['todos'], datasetId, extraDatasetIds: ['timeseries'], protocolVersion: 1, publicKey: 'ab'.repeat(32), pushOnly: true, noticeCredits: 32 },
    { kind: 'handshakeResponse', nodeId: 'hub', accepted: true, compression: 'deflate-raw', collections: ['todos'], datasetId, grantedDatasetIds: [datasetId], readOnlyDatasetIds: [datasetId], reason: 'ok', protocolVersion: 1, maxFrameBytes: 4_194_304, takesNoticeCredit: true },
    { kind: 'vectorClockRequest', datasetId },
    { kind: 'vectorClockResponse', datasetId, heads: [head], boundaries: [{ nodeId: 'node-a', hlc: entries[0]!.hlc, hash: entries[0]!.hash }] },
    { kind: 'pullChangesRequest', datasetId, author: 'node-a', since: { wall: 1_700_000_000_000, logic: 3 }, collections: ['todos'], maxEntries: 1000, maxBytes: 1_048_576 },
    { kind: 'changeSet', datasetId, entries, hasMore: true, snapshotRequired: false },
    { kind: 'pushChangesRequest', datasetId, entries },
    { kind: 'ack', datasetId, success: true, snapshotRequired: true, applied: [head] },
    { kind: 'chainRangeRequest', datasetId, startHash: entries[0]!.hash, endHash: entries[2]!.hash },
    { kind: 'chainRangeResponse', datasetId, entries: entries.slice(1), snapshotRequired: true },
    { kind: 'snapshotRequest', datasetId },
    { kind: 'snapshotChunk', datasetId, data: new Uint8Array([1, 2, 3, 250]), isLast: true, index: 7 },
    { kind: 'error', code: 'dataset_not_granted', message: 'no logs for you', datasetId },
    { kind: 'ping', nonce: 42 },
    { kind: 'pong', nonce: 42 },
    { kind: 'headsAdvanced', datasetId, heads: [head, { nodeId: 'node-b', hlc: { wall: 1_700_000_000_500, logic: 2, nodeId: 'node-b' }, hash: entries[1]!.hash }], entries },
    { kind: 'noticeCredit', datasetId, notices: 8 },
  ];
}
