import { isValidDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import { compareHlc, isValidNodeId, type Hlc } from '../../../src/core/hlc.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { CommitNotice } from '../../../src/store/storage-adapter.ts';

/*
 * What a commit tells the other writers through NOTIFY: per author, the range it stored. A payload
 * is `{"w": writerId, "a": [[author, firstWall, firstLogic, lastWall, lastLogic, lastHash, count], ...]}`,
 * plus `"d": datasetId` for an instance: the instances of a name share one channel (the schema's),
 * while a dataset of its own is named by its channel alone, and its payloads are what they were.
 * PostgreSQL caps a payload near 8000 bytes, so a commit by many authors is told in several; the
 * ranges take at most MAX_PAYLOAD of it, which leaves room for the writer id and the longest
 * dataset id (under 600 characters).
 */

const MAX_PAYLOAD = 7_000;

export function commitNotices(writerId: string, entries: readonly OplogEntry[], instance?: DatasetId): string[] {
  const ranges = new Map<string, { first: OplogEntry; last: OplogEntry; count: number }>();
  for (const e of entries) {
    const r = ranges.get(e.hlc.nodeId);
    if (!r) ranges.set(e.hlc.nodeId, { first: e, last: e, count: 1 });
    else {
      if (compareHlc(e.hlc, r.first.hlc) < 0) r.first = e;
      if (compareHlc(e.hlc, r.last.hlc) > 0) r.last = e;
      r.count++;
    }
  }
  const payloads: string[] = [];
  const envelope = (a: unknown[]) => JSON.stringify(instance === undefined ? { w: writerId, a } : { w: writerId, d: instance, a });
  let batch: unknown[] = [];
  let size = 0;
  for (const [author, r] of ranges) {
    const item = [author, r.first.hlc.wall, r.first.hlc.logic, r.last.hlc.wall, r.last.hlc.logic, r.last.hash, r.count];
    const itemSize = JSON.stringify(item).length + 1;
    if (size + itemSize > MAX_PAYLOAD && batch.length > 0) {
      payloads.push(envelope(batch));
      batch = [];
      size = 0;
    }
    batch.push(item);
    size += itemSize;
  }
  if (batch.length > 0) payloads.push(envelope(batch));
  return payloads;
}

export interface CommitPayload {
  /** The instance the commit was to; undefined for the channel's own dataset. */
  readonly datasetId: DatasetId | undefined;
  readonly notices: CommitNotice[];
}

const NOTHING: CommitPayload = { datasetId: undefined, notices: [] };

/**
 * Reads a payload, skipping what this writer sent itself. Anyone with access to the database can
 * NOTIFY on the channel, so a payload is checked like any input: a malformed one is ignored, and a
 * valid one only makes the hub read storage it could read anyway.
 */
export function parseCommitPayload(payload: string, ownWriterId: string): CommitPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return NOTHING;
  }
  const p = parsed as { w?: unknown; d?: unknown; a?: unknown };
  if (typeof p !== 'object' || p === null || p.w === ownWriterId || !Array.isArray(p.a)) return NOTHING;
  if (p.d !== undefined && !isValidDatasetId(p.d)) return NOTHING;
  const notices: CommitNotice[] = [];
  for (const item of p.a.slice(0, 1_000)) {
    if (!Array.isArray(item) || item.length !== 7) continue;
    const [author, fw, fl, lw, ll, lastHash, count] = item as unknown[];
    if (!isValidNodeId(author) || ![fw, fl, lw, ll, count].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) continue;
    if (typeof lastHash !== 'string' || !/^[0-9a-f]{64}$/.test(lastHash)) continue;
    const first: Hlc = { wall: fw as number, logic: fl as number, nodeId: author };
    const last: Hlc = { wall: lw as number, logic: ll as number, nodeId: author };
    notices.push({ author, first, last, lastHash, count: count as number });
  }
  return { datasetId: p.d, notices };
}
