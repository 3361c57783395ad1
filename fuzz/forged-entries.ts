import type { DatasetId } from '../src/core/dataset-id.ts';
import { canonicalJson } from '../src/core/json.ts';
import { computeEntryHash, type OplogEntry } from '../src/core/oplog-entry.ts';
import type { Message } from '../src/protocol/messages.ts';
import { encodeFrame } from '../src/protocol/wire-codec.ts';
import type { HubRequestHandler, Outgoing } from './case-plan.ts';
import { RECORDS_COLLECTION } from './honest-ledger.ts';
import type { Rng } from './rng.ts';
import { concat, lenField, varintField } from './wire.ts';

/*
 * Entries with valid hashes for hostile messages: what they are built from (the hub's current
 * heads, so a forged entry would really extend a chain), who they are attributed to, and the
 * payload that marks them as the fuzzer's. Shared by hostile-messages.ts and forged-snapshots.ts.
 */

export interface HeadInfo {
  readonly hash: string;
  readonly wall: number;
  readonly logic: number;
}

export interface HostileContext {
  readonly rng: Rng;
  readonly caseIndex: number;
  /** The dataset the connection is for (one the hub serves). */
  readonly datasetId: DatasetId;
  /** The node id the connection declared ('' when the socket is not authenticated). */
  readonly declaredId: string;
  /** The hub's token, for hostile handshakes that must get past the token check. */
  readonly token: string;
  readonly honestAuthors: readonly string[];
  /** Keys of honest documents on primary: what a forged write or snapshot would overwrite. */
  readonly honestKeys: readonly string[];
  /** The hub's current head for an author, read from its storage: forged entries link to it. */
  readonly hubHead: (datasetId: DatasetId, author: string) => HeadInfo | undefined;
  /** Odd request ids, as a dialer uses. */
  readonly nextRequestId: () => number;
}

export interface HostilePlan {
  readonly frames: Outgoing[];
  readonly onHubRequest?: HubRequestHandler;
  readonly detail: string;
}

export const DAY = 24 * 60 * 60 * 1000;
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const MAX_LOGIC = 0x7fff_ffff;

/** The author of the connection's own (hostile) entries. */
export function selfAuthor(ctx: HostileContext): string {
  return ctx.declaredId || `fz-anon-${ctx.caseIndex}`;
}

/** Honest documents live in `todos`; append batches in `records`. */
export function collectionFor(datasetId: DatasetId): string {
  return datasetId === 'primary' ? 'todos' : RECORDS_COLLECTION;
}

/** A canonical payload marking the entry as the fuzzer's: a document, or a one-record append batch. */
export function marker(ctx: HostileContext, datasetId: DatasetId, kind: string): string {
  return datasetId === 'primary' ? canonicalJson({ case: ctx.caseIndex, fuzz: kind }) : canonicalJson([{ fuzz: kind, id: `fz-${kind}-${ctx.caseIndex}` }]);
}

/** A timestamp after the hub's head for `author`, within the drift limit. */
export function nextStamp(ctx: HostileContext, datasetId: DatasetId, author: string): { wall: number; logic: number } {
  const now = Date.now();
  const head = ctx.hubHead(datasetId, author);
  if (head && head.wall >= now) return { wall: head.wall, logic: Math.min(head.logic + 1, MAX_LOGIC) };
  return { wall: now, logic: 0 };
}

export function makeEntry(fields: { datasetId: DatasetId; author: string; collection: string; key: string; op?: 'put' | 'delete'; payload: string | null; wall: number; logic: number; prevHash: string }): OplogEntry {
  const base = {
    datasetId: fields.datasetId,
    collection: fields.collection,
    key: fields.key,
    op: fields.op ?? 'put',
    payload: fields.op === 'delete' ? null : fields.payload,
    hlc: { wall: fields.wall, logic: fields.logic, nodeId: fields.author },
    prevHash: fields.prevHash,
  };
  return { ...base, hash: computeEntryHash(base) };
}

/** A chain of `n` entries by `author` continuing the hub's head (or starting at `prevHash`). */
export function chainOf(ctx: HostileContext, datasetId: DatasetId, author: string, n: number, payload: (i: number) => string, options: { wall?: number; prevHash?: string; keys?: (i: number) => string } = {}): OplogEntry[] {
  const stamp = options.wall === undefined ? nextStamp(ctx, datasetId, author) : { wall: options.wall, logic: 0 };
  let prev = options.prevHash ?? ctx.hubHead(datasetId, author)?.hash ?? '';
  const out: OplogEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = makeEntry({ datasetId, author, collection: collectionFor(datasetId), key: options.keys?.(i) ?? `fz-${ctx.caseIndex}-${i}`, payload: payload(i), wall: stamp.wall, logic: Math.min(stamp.logic + i, MAX_LOGIC), prevHash: prev });
    out.push(e);
    prev = e.hash;
  }
  return out;
}

export function push(ctx: HostileContext, datasetId: DatasetId, entries: readonly OplogEntry[], note: string): Outgoing {
  return { data: encodeFrame({ kind: 'pushChangesRequest', datasetId, entries }, ctx.nextRequestId()), note };
}

export function send(message: Message, requestId: number, note: string): Outgoing {
  return { data: encodeFrame(message, requestId), note };
}

/** Someone other than the connection's node: an honest client, or a made-up victim. */
export function victimOf(ctx: HostileContext): string {
  const others = ctx.honestAuthors.filter((a) => a !== ctx.declaredId);
  return others.length > 0 && ctx.rng.chance(0.85) ? ctx.rng.pick(others) : `fz-victim-${ctx.caseIndex}`;
}

/** Entry fields as raw wire values (numbers as 64-bit varints), for values the codec would refuse. */
export function rawEntry(f: { collection: Uint8Array; key: Uint8Array; payload: Uint8Array; nodeId: Uint8Array; wall: bigint; logic: bigint; prevHash: Uint8Array; hash?: Uint8Array }): Uint8Array {
  return concat(
    lenField(1, f.collection),
    lenField(2, f.key),
    lenField(4, f.payload),
    varintField(5, f.wall),
    varintField(6, f.logic),
    lenField(7, f.nodeId),
    ...(f.hash ? [lenField(8, f.hash)] : []),
    ...(f.prevHash.length > 0 ? [lenField(9, f.prevHash)] : []),
  );
}

/** The same hash with one hex digit changed. */
export function flipHexChar(hex: string, rng: Rng): string {
  const i = rng.int(hex.length);
  const c = hex[i] === '0' ? '1' : '0';
  return hex.slice(0, i) + c + hex.slice(i + 1);
}
