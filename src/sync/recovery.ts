import type { OplogEntry } from '../core/oplog-entry.ts';
import { SluiceError } from '../core/errors.ts';
import type { Message } from '../protocol/messages.ts';
import { parseSnapshot } from '../store/validation.ts';
import type { Connection } from './connection.ts';
import type { DatasetRuntime } from './dataset-runtime.ts';
import type { ChainGapError } from './replica.ts';
import { signOwnHead, type KeyPolicy } from './signatures.ts';

const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
/** A snapshot is buffered whole before import; this bounds what a peer can make us hold. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;

/**
 * Fills a gap in one author's chain from the peer, in bounded batches. Returns false when the peer
 * no longer has the range (it pruned): the caller falls back to a snapshot.
 */
export async function fetchChainRange(connection: Connection, rt: DatasetRuntime, gap: ChainGapError, policy: KeyPolicy, check: (entries: readonly OplogEntry[]) => void = () => {}): Promise<boolean> {
  let start = gap.fromHash;
  for (let guard = 0; guard < 100_000; guard++) {
    const reply = await connection.request({ kind: 'chainRangeRequest', datasetId: rt.datasetId, startHash: start, endHash: gap.toHash });
    if (reply.kind !== 'chainRangeResponse') throw unexpected(reply, 'chainRangeResponse');
    if (reply.snapshotRequired) return false;
    if (reply.entries.length === 0) return false;
    if (reply.entries[0]!.prevHash !== start || reply.entries.some((e) => e.hlc.nodeId !== gap.author)) {
      throw new SluiceError('chain_broken', `Chain range from ${connection.peerNodeId} does not start at the requested hash: refusing it.`);
    }
    check(reply.entries);
    await rt.replica.applyRemote(reply.entries, policy);
    start = reply.entries[reply.entries.length - 1]!.hash;
    if (start === gap.toHash) {
      rt.metrics.gapsRecovered++;
      return true;
    }
  }
  return false;
}

/** Downloads the peer's snapshot of the dataset and merges it in. */
export async function fetchSnapshot(connection: Connection, rt: DatasetRuntime): Promise<void> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of connection.requestStream({ kind: 'snapshotRequest', datasetId: rt.datasetId })) {
    if (chunk.kind !== 'snapshotChunk') throw unexpected(chunk, 'snapshotChunk');
    total += chunk.data.length;
    if (total > MAX_SNAPSHOT_BYTES) throw new SluiceError('frame_too_large', `Snapshot from ${connection.peerNodeId} exceeds ${MAX_SNAPSHOT_BYTES} bytes.`);
    parts.push(chunk.data);
    if (chunk.isLast) break;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new SluiceError('invalid_snapshot', `Snapshot from ${connection.peerNodeId} is not valid JSON: ${(error as Error).message}.`);
  }
  const snapshot = parseSnapshot(rt.datasetId, raw, Number.MAX_SAFE_INTEGER);
  await rt.replica.importSnapshot(snapshot, 'merge');
  rt.metrics.snapshotsFetched++;
}

/** Streams an export as JSON chunks; the last chunk carries isLast. */
/**
 * The dataset's snapshot as the chunks of one answer. A snapshot is built whole in memory (about
 * three times the dataset: rows, JSON, bytes), so requests that arrive while one is being built
 * share it: a burst of snapshot requests costs one snapshot, not one each.
 */
export async function* snapshotChunks(rt: DatasetRuntime): AsyncGenerator<Message> {
  const bytes = await sharedSnapshot(rt);
  let index = 0;
  for (let offset = 0; offset < bytes.length || index === 0; offset += SNAPSHOT_CHUNK_BYTES) {
    const end = Math.min(offset + SNAPSHOT_CHUNK_BYTES, bytes.length);
    yield { kind: 'snapshotChunk', datasetId: rt.datasetId, data: bytes.subarray(offset, end), isLast: end >= bytes.length, index: index++ };
  }
}

const building = new WeakMap<DatasetRuntime, Promise<Uint8Array>>();

function sharedSnapshot(rt: DatasetRuntime): Promise<Uint8Array> {
  let bytes = building.get(rt);
  if (bytes === undefined) {
    bytes = (async () => new TextEncoder().encode(JSON.stringify(await signOwnHead(await rt.replica.view.exportSnapshot(), rt.replica.signer))))();
    building.set(rt, bytes);
    const done = () => building.delete(rt);
    bytes.then(done, done);
  }
  return bytes;
}

export function unexpected(reply: Message, wanted: string): SluiceError {
  return new SluiceError('protocol_violation', `Expected ${wanted}, got ${reply.kind}.`);
}
