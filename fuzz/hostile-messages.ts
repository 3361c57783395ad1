import { deflateRawSync, gzipSync } from 'node:zlib';
import { canonicalJson } from '../src/core/json.ts';
import { computeEntryHash } from '../src/core/oplog-entry.ts';
import { FLAG_COMPRESSED } from '../src/protocol/frame.ts';
import { PROTOCOL_VERSION, type Message } from '../src/protocol/messages.ts';
import type { Outgoing } from './case-plan.ts';
import { chainOf, collectionFor, DAY, flipHexChar, makeEntry, marker, MAX_SAFE, nextStamp, push, rawEntry, selfAuthor, send, victimOf, type HostileContext, type HostilePlan } from './forged-entries.ts';
import { snapshotChainForged, snapshotPushGap, snapshotUnsolicited } from './forged-snapshots.ts';
import { HOSTILE_STRINGS } from './mutations.ts';
import type { Rng } from './rng.ts';
import { concat, concatAll, frameOf, hexToBytes, lenField, strField, utf8, varintField } from './wire.ts';

export type { HeadInfo, HostileContext, HostilePlan } from './forged-entries.ts';

/*
 * Well-formed hostile messages, built with the project's own codec and hash functions so they get
 * past the decoder and reach the hub's checks. Each one is wrong in at least one way a correct hub
 * can see (an author that is not the connection's node, a timestamp far ahead, a payload that is
 * not JSON, a snapshot nobody asked the pusher for, ...), and never in no way at all: an entry that
 * is valid in every respect and authored by the node the connection declared is a legitimate write
 * under a shared token, so the fuzzer never sends one. That keeps "the hub stored it" meaning "the
 * hub accepted something it should have refused".
 *
 * Entry building lives in forged-entries.ts, snapshot injection in forged-snapshots.ts.
 */

export const HOSTILE_KINDS = [
  'forged-author',
  'far-future',
  'wrong-hash',
  'broken-chain',
  'non-json',
  'oversized-doc',
  'deep-json',
  'invalid-utf8',
  'hostile-numbers',
  'path-dataset',
  'unknown-dataset',
  'snapshot-push-gap',
  'snapshot-chain-forged',
  'snapshot-unsolicited',
  'response-as-request',
  'pull-hostile',
  'chain-range-hostile',
  'handshake-hostile',
  'rehandshake',
  'compression-bomb',
  'ping-flood',
  'many-entries',
  'forged-signature',
] as const;

export type HostileKind = (typeof HOSTILE_KINDS)[number];

export function buildHostile(kind: HostileKind, ctx: HostileContext): HostilePlan {
  switch (kind) {
    case 'forged-author':
      return forgedAuthor(ctx);
    case 'far-future':
      return farFuture(ctx);
    case 'forged-signature':
      return forgedSignature(ctx);
    case 'wrong-hash':
      return wrongHash(ctx);
    case 'broken-chain':
      return brokenChain(ctx);
    case 'non-json':
      return nonJson(ctx);
    case 'oversized-doc':
      return oversized(ctx);
    case 'deep-json':
      return deepJson(ctx);
    case 'invalid-utf8':
      return invalidUtf8(ctx);
    case 'hostile-numbers':
      return hostileNumbers(ctx);
    case 'path-dataset':
      return hostileDataset(ctx, pickHostileDataset(ctx.rng), 'path-like');
    case 'unknown-dataset':
      return hostileDataset(ctx, ctx.rng.pick(['secrets', 'metrics', 'primary2', 'hub', 'logs2', 'a', 'z'.repeat(48)]), 'unknown');
    case 'snapshot-push-gap':
      return snapshotPushGap(ctx);
    case 'snapshot-chain-forged':
      return snapshotChainForged(ctx);
    case 'snapshot-unsolicited':
      return snapshotUnsolicited(ctx);
    case 'response-as-request':
      return responseAsRequest(ctx);
    case 'pull-hostile':
      return pullHostile(ctx);
    case 'chain-range-hostile':
      return chainRangeHostile(ctx);
    case 'handshake-hostile':
      return handshakeHostile(ctx);
    case 'rehandshake':
      return rehandshake(ctx);
    case 'compression-bomb':
      return compressionBomb(ctx);
    case 'ping-flood':
      return pingFlood(ctx);
    case 'many-entries':
      return manyEntries(ctx);
  }
}

// ---------------------------------------------------------------------------------------------
// Pushes that a correct hub refuses

function forgedAuthor(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const victim = victimOf(ctx);
  const n = ctx.rng.pick([1, 1, 2, 5]);
  // Overwriting a document the victim really wrote is the damaging form on primary.
  const overwrite = ds === 'primary' && ctx.honestKeys.length > 0 && ctx.rng.chance(0.5);
  const keys = overwrite ? () => ctx.rng.pick(ctx.honestKeys) : undefined;
  const entries = chainOf(ctx, ds, victim, n, () => marker(ctx, ds, 'forged-author'), keys ? { keys } : {});
  const compressed = ctx.rng.chance(0.1);
  const frame = push(ctx, ds, entries, `push by ${ctx.declaredId || '(unauthenticated)'} of ${n} entries authored by ${victim}${overwrite ? ' over honest keys' : ''}`);
  if (!compressed) return { frames: [frame], detail: frame.note };
  // The same push as a compressed frame: the checks must not depend on how the payload travelled.
  const bytes = frame.data as Uint8Array;
  const packed = deflateRawSync(bytes.subarray(6));
  return { frames: [{ data: concat(Uint8Array.from([bytes[0]!, FLAG_COMPRESSED]), bytes.subarray(2, 6), packed), note: `${frame.note} (deflate-raw compressed)` }], detail: `${frame.note}, compressed` };
}

function farFuture(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const wall = ctx.rng.pick([Date.now() + DAY, Date.now() + 3650 * DAY, MAX_SAFE - ctx.rng.int(1000), MAX_SAFE]);
  const overwrite = ds === 'primary' && ctx.honestKeys.length > 0 && ctx.rng.chance(0.5);
  const entries = chainOf(ctx, ds, author, ctx.rng.pick([1, 2]), () => marker(ctx, ds, 'far-future'), { wall, ...(overwrite ? { keys: () => ctx.rng.pick(ctx.honestKeys) } : {}) });
  const note = `push by ${author} with wall ${wall} (${Math.round((wall - Date.now()) / DAY)} days ahead)`;
  return { frames: [push(ctx, ds, entries, note)], detail: note };
}

/** The connection's own chain, valid in every way but its head's signature: random, or a real-looking one moved off its entry. */
function forgedSignature(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const entries = chainOf(ctx, ds, author, ctx.rng.pick([1, 3]), (i) => marker(ctx, ds, `forged-signature-${i}`));
  const variant = ctx.rng.pick(['random', 'on-every-entry', 'zero-key']);
  const signature = variant === 'zero-key' ? '0'.repeat(64) + ctx.rng.hex(64) : ctx.rng.hex(96);
  const signed = entries.map((e, i) => (variant === 'on-every-entry' || i === entries.length - 1 ? { ...e, signature } : e));
  const note = `push by ${author} of its own chain under a forged signature (${variant})`;
  return { frames: [push(ctx, ds, signed, note)], detail: note };
}

function wrongHash(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = ctx.rng.chance(0.7) ? selfAuthor(ctx) : victimOf(ctx);
  const [good] = chainOf(ctx, ds, author, 1, () => marker(ctx, ds, 'wrong-hash'));
  const variant = ctx.rng.pick(['random', 'one-char', 'other-entry', 'zero']);
  const hash = variant === 'random' ? ctx.rng.hex(32) : variant === 'zero' ? '0'.repeat(64) : variant === 'other-entry' ? (ctx.hubHead(ds, author)?.hash ?? ctx.rng.hex(32)) : flipHexChar(good!.hash, ctx.rng);
  const bad = { ...good!, hash };
  const note = `push by ${author} of an entry whose hash is wrong (${variant})`;
  return { frames: [push(ctx, ds, [bad], note)], detail: note };
}

function brokenChain(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const entries = chainOf(ctx, ds, author, 3, (i) => marker(ctx, ds, `broken-chain-${i}`));
  const at = ctx.rng.range(1, 2);
  // Re-link one entry to a hash that is not its predecessor (and re-hash it, so only the link is wrong).
  const e = entries[at]!;
  entries[at] = makeEntry({ datasetId: ds, author, collection: e.collection, key: e.key, payload: e.payload, wall: e.hlc.wall, logic: e.hlc.logic, prevHash: ctx.rng.hex(32) });
  const note = `push by ${author} of 3 entries whose link ${at - 1}->${at} is broken`;
  return { frames: [push(ctx, ds, entries, note)], detail: note };
}

const NON_JSON = ['not json', '{', '[{"a":1}', 'NaN', '[NaN]', '{"a":Infinity}', "[{'a':1}]", '', '[1,2,]', '\u0000', '{"a":1}{"b":2}', 'undefined', '[{"a":1}] trailing', '\ufeff[{"a":1}]'];

function nonJson(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const text = ctx.rng.pick(NON_JSON);
  const entries = chainOf(ctx, ds, author, 1, () => text);
  const note = `push by ${author} of a payload that is not JSON: ${JSON.stringify(text)}`;
  return { frames: [push(ctx, ds, entries, note)], detail: note };
}

function oversized(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const size = ctx.rng.range(Math.floor(1.1 * 1024 * 1024), Math.floor(1.8 * 1024 * 1024));
  const big = 'x'.repeat(size);
  const payload = ds === 'primary' ? canonicalJson({ big, fuzz: 'oversized' }) : canonicalJson([{ big, id: `fz-oversized-${ctx.caseIndex}` }]);
  const entries = chainOf(ctx, ds, author, 1, () => payload);
  const note = `push by ${author} of a ${payload.length}-byte payload (over the 1 MiB document limit)`;
  return { frames: [push(ctx, ds, entries, note)], detail: note };
}

function deepJson(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const depth = ctx.rng.pick([1_000, 20_000, 100_000]);
  const payload = ds === 'primary' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]`;
  const entries = chainOf(ctx, ds, author, 1, () => payload);
  const note = `push by ${author} of JSON nested ${depth} deep`;
  return { frames: [push(ctx, ds, entries, note)], detail: note };
}

const INVALID_UTF8 = [Uint8Array.from([0xff, 0xfe]), Uint8Array.from([0xc3, 0x28]), Uint8Array.from([0xed, 0xa0, 0x80]), Uint8Array.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Uint8Array.from([0xe2, 0x82])];

/**
 * An entry with invalid UTF-8 in one string field. Its hash is computed over the strings the hub's
 * decoder makes of those bytes, so the entry verifies if the hub decodes leniently; the protocol
 * says invalid UTF-8 is a malformed frame.
 */
function invalidUtf8(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const bad = ctx.rng.pick(INVALID_UTF8);
  const where = ctx.rng.pick(['payload', 'payload', 'key', 'collection', 'node_id'] as const);
  const stamp = nextStamp(ctx, ds, author);
  const prev = ctx.hubHead(ds, author)?.hash ?? '';
  const payloadBytes = ds === 'primary' ? concat(utf8('{"fuzz":"'), bad, utf8('"}')) : concat(utf8('[{"fuzz":"'), bad, utf8(`","id":"fz-utf8-${ctx.caseIndex}"}]`));
  const fields = {
    collection: where === 'collection' ? concat(utf8('to'), bad) : utf8(collectionFor(ds)),
    key: where === 'key' ? concat(utf8(`fz-${ctx.caseIndex}-`), bad) : utf8(`fz-utf8-${ctx.caseIndex}`),
    payload: where === 'payload' ? payloadBytes : utf8(marker(ctx, ds, 'invalid-utf8')),
    nodeId: where === 'node_id' ? concat(utf8(author), bad) : utf8(author),
  };
  const withoutHash = rawEntry({ ...fields, wall: BigInt(stamp.wall), logic: BigInt(stamp.logic), prevHash: prev === '' ? new Uint8Array(0) : hexToBytes(prev) });
  // As a lenient decoder would read the bytes (invalid sequences become U+FFFD).
  const lenient = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  const hash = computeEntryHash({ datasetId: ds, collection: lenient(fields.collection), key: lenient(fields.key), op: 'put', payload: lenient(fields.payload), hlc: { wall: stamp.wall, logic: stamp.logic, nodeId: lenient(fields.nodeId) }, prevHash: prev });
  const entryBytes = concat(withoutHash, lenField(8, hexToBytes(hash)));
  const payload = concat(ds === 'primary' ? new Uint8Array(0) : strField(1, ds), lenField(2, entryBytes));
  const note = `push by ${author} with invalid UTF-8 (${Buffer.from(bad).toString('hex')}) in ${where}`;
  return { frames: [{ data: frameOf('pushChangesRequest', payload, ctx.nextRequestId()), note }], detail: note };
}

/** Negative, huge and out-of-range numbers in every numeric field a peer can send. */
function hostileNumbers(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const dsField = ds === 'primary' ? new Uint8Array(0) : strField(1, ds);
  const walls: [bigint, string][] = [[-1n, 'wall -1'], [(1n << 63n) - 1n, 'wall 2^63-1'], [1n << 53n, 'wall 2^53'], [BigInt(MAX_SAFE) + 2n, 'wall 2^53+1'], [(1n << 64n) - 1n, 'wall 2^64-1']];
  const logics: [bigint, string][] = [[0xffff_ffffn, 'logic 2^32-1'], [0x8000_0000n, 'logic 2^31'], [-1n, 'logic -1 (10-byte varint)']];
  const frames: Outgoing[] = [];
  const pick = ctx.rng.int(3);
  if (pick === 0) {
    const [wall, label] = ctx.rng.pick(walls);
    const entry = rawEntry({ collection: utf8(collectionFor(ds)), key: utf8(`fz-num-${ctx.caseIndex}`), payload: utf8(marker(ctx, ds, 'hostile-numbers')), nodeId: utf8(author), wall, logic: 0n, prevHash: new Uint8Array(0), hash: hexToBytes(ctx.rng.hex(32)) });
    frames.push({ data: frameOf('pushChangesRequest', concat(dsField, lenField(2, entry)), ctx.nextRequestId()), note: `push with ${label}` });
  } else if (pick === 1) {
    const [logic, label] = ctx.rng.pick(logics);
    const stamp = nextStamp(ctx, ds, author);
    // The hash is computed as if the logic were accepted as sent, so only the range is wrong.
    const hash = computeEntryHash({ datasetId: ds, collection: collectionFor(ds), key: `fz-num-${ctx.caseIndex}`, op: 'put', payload: marker(ctx, ds, 'hostile-numbers'), hlc: { wall: stamp.wall, logic: Number(BigInt.asUintN(32, logic)), nodeId: author }, prevHash: ctx.hubHead(ds, author)?.hash ?? '' });
    const prev = ctx.hubHead(ds, author)?.hash ?? '';
    const entry = rawEntry({ collection: utf8(collectionFor(ds)), key: utf8(`fz-num-${ctx.caseIndex}`), payload: utf8(marker(ctx, ds, 'hostile-numbers')), nodeId: utf8(author), wall: BigInt(stamp.wall), logic, prevHash: prev === '' ? new Uint8Array(0) : hexToBytes(prev), hash: hexToBytes(hash) });
    frames.push({ data: frameOf('pushChangesRequest', concat(dsField, lenField(2, entry)), ctx.nextRequestId()), note: `push with ${label}` });
  } else {
    const [wall, label] = ctx.rng.pick(walls);
    frames.push({ data: frameOf('pullChangesRequest', concat(dsField, strField(2, author), varintField(3, wall), varintField(4, 0xffff_ffffn), varintField(6, 0xffff_ffffn), varintField(7, 0xffff_ffffn)), ctx.nextRequestId()), note: `pull since ${label}, max entries/bytes 2^32-1` });
    frames.push({ data: frameOf('ping', varintField(1, (1n << 64n) - 1n), ctx.nextRequestId()), note: 'ping nonce 2^64-1' });
    frames.push({ data: frameOf('snapshotChunk', concat(dsField, lenField(2, utf8('{}')), varintField(3, 1), varintField(4, 0xffff_ffffn)), 2 * ctx.rng.range(1, 1000)), note: 'snapshot chunk index 2^32-1 as a response' });
  }
  return { frames, detail: frames.map((f) => f.note).join('; ') };
}

function pickHostileDataset(rng: Rng): string | Uint8Array {
  return rng.pick(HOSTILE_STRINGS.filter((s) => s !== ''));
}

/** Requests (and, unauthenticated, a handshake) naming a dataset the hub does not serve. */
function hostileDataset(ctx: HostileContext, dataset: string | Uint8Array, what: string): HostilePlan {
  const dsBytes = typeof dataset === 'string' ? utf8(dataset) : dataset;
  const dsText = typeof dataset === 'string' ? dataset : Buffer.from(dataset).toString('utf8');
  const label = typeof dataset === 'string' ? JSON.stringify(dataset.length > 40 ? `${dataset.slice(0, 20)}…(${dataset.length})` : dataset) : `bytes ${Buffer.from(dataset).toString('hex')}`;
  const author = selfAuthor(ctx);
  const frames: Outgoing[] = [];
  if (!ctx.declaredId) {
    const hs = concat(strField(1, `fz-ds-${ctx.caseIndex}`), strField(2, ctx.token), strField(5, dsBytes), varintField(7, PROTOCOL_VERSION));
    frames.push({ data: frameOf('handshakeRequest', hs, ctx.nextRequestId()), note: `handshake (right token) for ${what} dataset ${label}` });
  }
  const entry = makeEntry({ datasetId: dsText, author, collection: 'todos', key: `fz-ds-${ctx.caseIndex}`, payload: canonicalJson({ fuzz: 'dataset' }), wall: Date.now(), logic: 0, prevHash: '' });
  const entryBytes = rawEntry({ collection: utf8(entry.collection), key: utf8(entry.key), payload: utf8(entry.payload!), nodeId: utf8(author), wall: BigInt(entry.hlc.wall), logic: 0n, prevHash: new Uint8Array(0), hash: hexToBytes(entry.hash) });
  const all: Outgoing[] = [
    { data: frameOf('vectorClockRequest', strField(1, dsBytes), ctx.nextRequestId()), note: `vector clock of ${what} dataset ${label}` },
    { data: frameOf('pullChangesRequest', strField(1, dsBytes), ctx.nextRequestId()), note: `pull from ${what} dataset ${label}` },
    { data: frameOf('pushChangesRequest', concat(strField(1, dsBytes), lenField(2, entryBytes)), ctx.nextRequestId()), note: `push to ${what} dataset ${label}` },
    { data: frameOf('snapshotRequest', strField(1, dsBytes), ctx.nextRequestId()), note: `snapshot of ${what} dataset ${label}` },
    { data: frameOf('chainRangeRequest', concat(strField(1, dsBytes), lenField(3, hexToBytes(ctx.rng.hex(32)))), ctx.nextRequestId()), note: `chain range of ${what} dataset ${label}` },
  ];
  const n = ctx.rng.range(1, all.length);
  for (let i = 0; i < n; i++) frames.push(all.splice(ctx.rng.int(all.length), 1)[0]!);
  return { frames, detail: `${what} dataset ${label}: ${frames.map((f) => f.note).join('; ')}` };
}

/** Response kinds carrying forged entries and heads, sent as requests and as stray responses. */
function responseAsRequest(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const victim = victimOf(ctx);
  const forged = chainOf(ctx, ds, victim, 2, () => marker(ctx, ds, 'response'));
  const head = { nodeId: victim, hlc: { wall: Date.now() + 3650 * DAY, logic: 0, nodeId: victim }, hash: ctx.rng.hex(32) };
  const messages: Message[] = [
    { kind: 'changeSet', datasetId: ds, entries: forged, hasMore: false, snapshotRequired: false },
    { kind: 'chainRangeResponse', datasetId: ds, entries: forged, snapshotRequired: false },
    { kind: 'ack', datasetId: ds, success: true, snapshotRequired: false, applied: [head] },
    { kind: 'vectorClockResponse', datasetId: ds, heads: [head], boundaries: [head] },
    { kind: 'handshakeResponse', nodeId: victim, accepted: true, compression: 'deflate-raw', collections: [], datasetId: ds, grantedDatasetIds: ['primary', 'logs', 'timeseries'], readOnlyDatasetIds: [], reason: '', protocolVersion: PROTOCOL_VERSION, maxFrameBytes: 0xffff_ffff, takesNoticeCredit: true },
    { kind: 'error', code: 'auth_failed', message: 'fuzz', datasetId: ds },
    { kind: 'pong', nonce: 1 },
  ];
  const m = ctx.rng.pick(messages);
  const asRequest = ctx.rng.chance(0.6);
  const id = asRequest ? ctx.nextRequestId() : 2 * ctx.rng.range(1, 100);
  const note = `${m.kind} with forged content as ${asRequest ? 'a request' : 'a stray response'}`;
  return { frames: [send(m, id, note)], detail: note };
}

// ---------------------------------------------------------------------------------------------
// Reads and handshakes

function pullHostile(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const frames: Outgoing[] = [];
  for (let i = ctx.rng.range(1, 3); i > 0; i--) {
    const author = ctx.rng.pick<string | null>([null, ...ctx.honestAuthors, '~'.repeat(128), 'a'.repeat(129), '../x', '']);
    const since = ctx.rng.pick([null, { wall: MAX_SAFE, logic: 0 }, { wall: 0, logic: 0xffff_ffff }, { wall: 1, logic: 0 }]);
    const maxEntries = ctx.rng.pick([0, 1, 0xffff_ffff]);
    const maxBytes = ctx.rng.pick([0, 1, 0xffff_ffff]);
    frames.push(send({ kind: 'pullChangesRequest', datasetId: ds, author, since, collections: ctx.rng.chance(0.2) ? Array.from({ length: 2000 }, (_, j) => `c${j}`) : [], maxEntries, maxBytes }, ctx.nextRequestId(), `pull author=${JSON.stringify(author)?.slice(0, 20)} since=${JSON.stringify(since)} max=${maxEntries}/${maxBytes}`));
  }
  return { frames, detail: frames.map((f) => f.note).join('; ') };
}

function chainRangeHostile(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const dsField = ds === 'primary' ? new Uint8Array(0) : strField(1, ds);
  const author = ctx.rng.pick(ctx.honestAuthors);
  const head = ctx.hubHead(ds, author)?.hash ?? ctx.rng.hex(32);
  const variants: [Uint8Array, Uint8Array, string][] = [
    [hexToBytes(ctx.rng.hex(32)), hexToBytes(ctx.rng.hex(32)), 'random hashes'],
    [new Uint8Array(0), hexToBytes(head), 'from the start to an honest head'],
    [hexToBytes(head), hexToBytes(head), 'start = end'],
    [hexToBytes(ctx.rng.hex(31)), hexToBytes(ctx.rng.hex(33)), '31- and 33-byte hashes'],
    [new Uint8Array(0), ctx.rng.bytes(100_000), '100 kB end hash'],
  ];
  const [start, end, label] = ctx.rng.pick(variants);
  const payload = concat(dsField, start.length > 0 ? lenField(2, start) : new Uint8Array(0), lenField(3, end));
  const note = `chain range request: ${label}`;
  return { frames: [{ data: frameOf('chainRangeRequest', payload, ctx.nextRequestId()), note }], detail: note };
}

function handshakeFrame(ctx: HostileContext, fields: { nodeId?: string | Uint8Array; token?: string | Uint8Array; dataset?: string | Uint8Array; compression?: readonly string[]; extra?: readonly string[]; collections?: readonly string[]; version?: bigint }): Uint8Array {
  const payload = concatAll([
    strField(1, fields.nodeId ?? `fz-hs-${ctx.caseIndex}`),
    strField(2, fields.token ?? ctx.token),
    ...(fields.compression ?? []).map((c) => strField(3, c)),
    ...(fields.collections ?? []).map((c) => strField(4, c)),
    ...(fields.dataset === undefined || fields.dataset === 'primary' ? [] : [strField(5, fields.dataset)]),
    ...(fields.extra ?? []).map((d) => strField(6, d)),
    varintField(7, fields.version ?? BigInt(PROTOCOL_VERSION)),
  ]);
  return frameOf('handshakeRequest', payload, ctx.nextRequestId());
}

/** Handshakes with hostile fields; the right token unless the token is the point. */
function handshakeHostile(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const n = ctx.caseIndex;
  const variants: [Parameters<typeof handshakeFrame>[1], string][] = [
    [{ version: 0n }, 'protocol version 0'],
    [{ version: 2n }, 'protocol version 2'],
    [{ version: 0xffff_ffffn }, 'protocol version 2^32-1'],
    [{ nodeId: '' }, 'empty node id'],
    [{ nodeId: '../x' }, 'node id ../x'],
    [{ nodeId: 'a'.repeat(129) }, '129-character node id'],
    [{ nodeId: `fz hs ${n}` }, 'node id with spaces'],
    [{ nodeId: concat(utf8('fz-'), Uint8Array.from([0xff, 0xfe])) }, 'node id with invalid UTF-8'],
    [{ token: `${ctx.token}\u0000` }, 'token with a trailing NUL'],
    [{ token: `${ctx.token} ` }, 'token with a trailing space'],
    [{ token: ctx.token.toUpperCase() }, 'token in upper case'],
    [{ token: '' }, 'empty token'],
    [{ token: 'x'.repeat(70_000) }, '70 kB token'],
    [{ token: concat(utf8(ctx.token), Uint8Array.from([0xc3, 0x28])) }, 'token with invalid UTF-8'],
    [{ compression: Array.from({ length: 10_000 }, () => 'deflate-raw') }, '10000 compression entries'],
    [{ compression: ['zstd', 'br', ''] }, 'unknown codecs'],
    [{ extra: Array.from({ length: 5_000 }, (_, i) => (i % 2 === 0 ? 'logs' : `../x${i}`)) }, '5000 extra dataset ids'],
    [{ extra: ['primary', 'logs', 'timeseries', 'primary'] }, 'every dataset, one twice'],
    [{ collections: Array.from({ length: 10_000 }, (_, i) => `c${i}`) }, '10000 collections'],
    [{ dataset: concat(utf8('lo'), Uint8Array.from([0x80]), utf8('gs')) }, 'dataset id with invalid UTF-8'],
  ];
  const [fields, label] = ctx.rng.pick(variants);
  const frames: Outgoing[] = [{ data: handshakeFrame(ctx, { dataset: ds, ...fields }), note: `handshake: ${label}` }];
  if (ctx.rng.chance(0.5)) frames.push(send({ kind: 'vectorClockRequest', datasetId: ds }, ctx.nextRequestId(), 'vector clock request after it'));
  return { frames, detail: `handshake with ${label}` };
}

/** A second handshake on an authenticated connection: another identity, a wrong token, another dataset. */
function rehandshake(ctx: HostileContext): HostilePlan {
  const variant = ctx.rng.pick(['other-node', 'wrong-token', 'other-dataset', 'same-again']);
  const other = victimOf(ctx);
  const fields =
    variant === 'other-node'
      ? { nodeId: other, dataset: ctx.datasetId }
      : variant === 'wrong-token'
        ? { nodeId: ctx.declaredId || other, token: `${ctx.token}-wrong`, dataset: ctx.datasetId }
        : variant === 'other-dataset'
          ? { nodeId: ctx.declaredId || other, dataset: ctx.rng.pick(['primary', 'logs', 'timeseries'].filter((d) => d !== ctx.datasetId)) }
          : { nodeId: ctx.declaredId || other, dataset: ctx.datasetId };
  const note = `second handshake (${variant}) as ${fields.nodeId}`;
  return { frames: [{ data: handshakeFrame(ctx, { ...fields, compression: ['deflate-raw'] }), note }], detail: note };
}

let bombs: { deflate: Uint8Array; gzip: Uint8Array } | undefined;

/** Small frames that inflate far past the frame limit (made once: 32 MiB of zeros each). */
function compressionBomb(ctx: HostileContext): HostilePlan {
  bombs ??= { deflate: deflateRawSync(Buffer.alloc(32 * 1024 * 1024)), gzip: gzipSync(Buffer.alloc(32 * 1024 * 1024)) };
  const codec = ctx.rng.pick(['deflate', 'gzip'] as const);
  const type = ctx.rng.pick(['pushChangesRequest', 'vectorClockRequest', 'pullChangesRequest'] as const);
  const note = `${type} whose ${codec} payload inflates to 32 MiB (${bombs[codec].length} bytes sent)`;
  return { frames: [{ data: frameOf(type, bombs[codec], ctx.nextRequestId(), FLAG_COMPRESSED), note }], detail: note };
}

function pingFlood(ctx: HostileContext): HostilePlan {
  const n = ctx.rng.range(20, 100);
  const frames: Outgoing[] = [];
  for (let i = 0; i < n; i++) {
    const pong = ctx.rng.chance(0.1);
    frames.push(send({ kind: pong ? 'pong' : 'ping', nonce: ctx.rng.int(1_000_000) }, pong ? 2 * (i + 1) : ctx.nextRequestId(), pong ? 'stray pong' : 'ping'));
  }
  return { frames, detail: `${n} pings and stray pongs` };
}

/** One push with a very large number of entries: invalid minimal ones, or a long forged chain. */
function manyEntries(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const dsField = ds === 'primary' ? new Uint8Array(0) : strField(1, ds);
  if (ctx.rng.chance(0.5)) {
    const n = ctx.rng.pick([1_000, 50_000, 200_000]);
    const tiny = lenField(2, strField(2, 'k'));
    const payload = concatAll([dsField, ...Array.from({ length: n }, () => tiny)]);
    const note = `push of ${n} entries with nothing but a key`;
    return { frames: [{ data: frameOf('pushChangesRequest', payload, ctx.nextRequestId()), note }], detail: note };
  }
  const victim = victimOf(ctx);
  const n = ctx.rng.pick([500, 2_000]);
  const entries = chainOf(ctx, ds, victim, n, () => marker(ctx, ds, 'many'));
  const note = `push of a ${n}-entry chain authored by ${victim}`;
  return { frames: [push(ctx, ds, entries, note)], detail: note };
}
