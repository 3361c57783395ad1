import { assertDatasetId, normalizeDatasetId, type DatasetId } from './dataset-id.ts';
import { SluiceError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { assertHlc, type Hlc } from './hlc.ts';
import { canonicalJson, utf8Length } from './json.ts';
import { assertCollection, assertKey } from './names.ts';

export type OplogOp = 'put' | 'delete';

/**
 * One change, authored by `hlc.nodeId`. `payload` is the canonical JSON text of the document
 * for puts and null for deletes; keeping the text (not a parsed value) means storage and the
 * wire never re-serialise it, and the hash can be re-checked byte for byte.
 */
export interface OplogEntry {
  readonly datasetId: DatasetId;
  readonly collection: string;
  readonly key: string;
  readonly op: OplogOp;
  readonly payload: string | null;
  readonly hlc: Hlc;
  readonly hash: string;
  /** Hash of the previous entry by the same author in the same dataset; '' for the first. */
  readonly prevHash: string;
  /**
   * The author's Ed25519 signature over `hash`, as lowercase hex of the 32-byte public key followed
   * by the 64-byte signature. Not part of the hash: it vouches for this entry and, through the
   * chain, every entry below it. Most entries carry none (see src/sync/signatures.ts).
   */
  readonly signature?: string;
}

export const HASH_FORMAT_VERSION = 'sluice-oplog/1';

/*
 * Entries that passed the structural checks where they entered (built by createEntry, checked by
 * assertEntry or assertDecodedEntry), so storage, which checks what its callers pass, does not check them a second time.
 * Their class is the mark: a copy (`{ ...e }`, or a structured clone into a worker) is a plain
 * object and is checked again. A class rather than a WeakSet beside plain objects, because adding
 * 100k entries a second to a WeakSet cost about 2% of an initial sync. The hash is not implied
 * (see verifyEntryHash).
 */
class CheckedEntry implements OplogEntry {
  readonly datasetId: DatasetId;
  readonly collection: string;
  readonly key: string;
  readonly op: OplogOp;
  readonly payload: string | null;
  readonly hlc: Hlc;
  readonly hash: string;
  readonly prevHash: string;
  // Declared, not initialised: an unsigned entry has no signature field at all, as before.
  declare readonly signature?: string;

  constructor(datasetId: DatasetId, collection: string, key: string, op: OplogOp, payload: string | null, hlc: Hlc, hash: string, prevHash: string, signature?: string) {
    this.datasetId = datasetId;
    this.collection = collection;
    this.key = key;
    this.op = op;
    this.payload = payload;
    this.hlc = hlc;
    this.hash = hash;
    this.prevHash = prevHash;
    if (signature !== undefined && signature !== '') (this as { signature?: string }).signature = signature;
  }
}

function markChecked(e: OplogEntry): OplogEntry {
  return e instanceof CheckedEntry ? e : new CheckedEntry(e.datasetId, e.collection, e.key, e.op, e.payload, e.hlc, e.hash, e.prevHash, e.signature);
}

export function isCheckedEntry(e: unknown): e is OplogEntry {
  return e instanceof CheckedEntry;
}
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{192}$/;

/**
 * The canonical hash input (documented in docs/architecture.md):
 *
 *   JSON.stringify(["sluice-oplog/1", datasetId, collection, key, op, wall, logic, nodeId, payloadDigest, prevHash])
 *
 * where payloadDigest is the lowercase hex SHA-256 of the canonical payload text for puts and ''
 * for deletes. A JSON array of strings and integers has exactly one encoding, so the input is
 * unambiguous (no separator can be forged inside a key) and identical on every runtime. Unlike the
 * .NET original, the payload is covered: tampering with content breaks the hash.
 */
export function entryHashInput(e: Omit<OplogEntry, 'hash'>): string {
  const payloadDigest = e.payload === null ? '' : sha256Hex(e.payload);
  return JSON.stringify([
    HASH_FORMAT_VERSION,
    e.datasetId,
    e.collection,
    e.key,
    e.op,
    e.hlc.wall,
    e.hlc.logic,
    e.hlc.nodeId,
    payloadDigest,
    e.prevHash,
  ]);
}

export function computeEntryHash(e: Omit<OplogEntry, 'hash'>): string {
  return sha256Hex(entryHashInput(e));
}

export function verifyEntryHash(e: OplogEntry): boolean {
  return computeEntryHash(e) === e.hash;
}

export interface NewEntry {
  datasetId?: DatasetId;
  collection: string;
  key: string;
  op: OplogOp;
  /** The document value for puts; ignored for deletes. */
  value?: unknown;
  hlc: Hlc;
  prevHash: string;
  /**
   * Largest payload, in UTF-8 bytes of its canonical JSON. Checked while the value is serialised,
   * so an oversized value is refused (`payload_too_large`) after about this much work. Default: no limit.
   */
  maxPayloadBytes?: number;
}

/** Build a local entry: validate, canonicalise the payload, link the chain and hash it. */
export function createEntry(input: NewEntry): OplogEntry {
  const datasetId = input.datasetId === undefined ? 'primary' : assertDatasetId(input.datasetId);
  const op = assertOp(input.op);
  if (op === 'put' && input.value === undefined) {
    throw new SluiceError('invalid_payload', 'A put needs a value: pass a JSON value (use delete to remove a document).');
  }
  const collection = assertCollection(input.collection);
  const key = assertKey(input.key);
  const base = {
    datasetId,
    collection,
    key,
    op,
    payload: op === 'put' ? canonicalJson(input.value, { what: `document ${collection}/${key}`, ...(input.maxPayloadBytes === undefined ? {} : { maxBytes: input.maxPayloadBytes }) }) : null,
    hlc: assertHlc(input.hlc),
    prevHash: assertPrevHash(input.prevHash),
  };
  return markChecked({ ...base, hash: computeEntryHash(base) });
}

/**
 * Structural validation of an entry from outside (a peer, a snapshot, a storage row). It does not
 * verify the hash; callers that receive entries from peers do that separately so the cost is explicit.
 */
export function assertEntry(value: unknown): OplogEntry {
  const e = value as Partial<OplogEntry> | null;
  if (typeof e !== 'object' || e === null) {
    throw new SluiceError('invalid_entry', 'Invalid oplog entry: expected an object.');
  }
  const op = assertOp(e.op);
  const payload = assertPayloadOf(op, e.payload ?? null, e.hash);
  if (typeof e.hash !== 'string' || !HASH_PATTERN.test(e.hash)) {
    throw new SluiceError('invalid_entry', `Invalid oplog entry hash ${JSON.stringify(e.hash)}: expected 64 lowercase hex characters.`);
  }
  return checkedEntry(e, op, payload, assertPrevHash(e.prevHash ?? ''));
}

/**
 * assertEntry for a wire decoder that built `hash`, `prevHash` and `signature` as hex from bytes
 * whose lengths it checked (32, 0 or 32, 0 or 96): those cannot be malformed, so the patterns are
 * not tested again. Everything else is checked as in assertEntry.
 */
export function assertDecodedEntry(e: OplogEntry): OplogEntry {
  const op = assertOp(e.op);
  return checkedEntry(e, op, assertPayloadOf(op, e.payload, e.hash), e.prevHash, true);
}

function assertPayloadOf(op: OplogOp, payload: unknown, hash: unknown): string | null {
  if (op === 'put' && typeof payload !== 'string') {
    throw new SluiceError('invalid_entry', `Invalid oplog entry ${String(hash)}: a put needs its payload as JSON text.`);
  }
  if (op === 'delete' && payload !== null) {
    throw new SluiceError('invalid_entry', `Invalid oplog entry ${String(hash)}: a delete carries no payload.`);
  }
  return payload as string | null;
}

function checkedEntry(e: Partial<OplogEntry>, op: OplogOp, payload: string | null, prevHash: string, signatureFormed = false): OplogEntry {
  const datasetId = normalizeDatasetId(e.datasetId);
  const collection = assertCollection(e.collection);
  const key = assertKey(e.key);
  const hlc = assertHlc(e.hlc);
  const signature = e.signature ?? '';
  if (signature !== '' && !signatureFormed) assertSignature(signature, e.hash);
  return new CheckedEntry(datasetId, collection, key, op, payload, hlc, e.hash!, prevHash, signature);
}

/** A checked entry carrying `signature`, which must be 192 lowercase hex characters. */
export function withSignature(e: OplogEntry, signature: unknown): OplogEntry {
  return markChecked({ ...e, signature: assertSignature(signature, e.hash) });
}

function assertSignature(signature: unknown, hash: unknown): string {
  if (typeof signature !== 'string' || !SIGNATURE_PATTERN.test(signature)) {
    throw new SluiceError('invalid_entry', `Invalid signature on oplog entry ${String(hash)}: expected 192 lowercase hex characters (public key and Ed25519 signature).`);
  }
  return signature;
}

/** The entry without its signature: what a receiver stores when it did not verify that signature. */
export function unsigned(e: OplogEntry): OplogEntry {
  if (e.signature === undefined) return e;
  const { signature: _dropped, ...rest } = e;
  return e instanceof CheckedEntry ? markChecked(rest) : rest;
}

/** What an entry costs in batches bounded by bytes: payload plus identifying fields. */
export function entryByteSize(e: OplogEntry): number {
  return (e.payload === null ? 0 : utf8Length(e.payload)) + utf8Length(e.collection) + utf8Length(e.key) + (e.signature === undefined ? 160 : 256);
}

function assertOp(op: unknown): OplogOp {
  if (op !== 'put' && op !== 'delete') {
    throw new SluiceError('invalid_entry', `Invalid operation ${JSON.stringify(op)}: expected "put" or "delete".`);
  }
  return op;
}

function assertPrevHash(prev: unknown): string {
  if (prev === '' || (typeof prev === 'string' && HASH_PATTERN.test(prev))) return prev;
  throw new SluiceError('invalid_entry', `Invalid prevHash ${JSON.stringify(prev)}: expected '' or 64 lowercase hex characters.`);
}

/**
 * An entry whose payload is JSON text produced by the caller (append batches: `[record,...]`
 * built with one JSON.stringify per record). Re-canonicalising thousands of records per batch would
 * cost more than the rest of the write; the hash covers the exact text, so it still verifies.
 */
export function createEntryFromText(input: Omit<NewEntry, 'value' | 'op'> & { payloadText: string }): OplogEntry {
  const base = {
    datasetId: input.datasetId === undefined ? 'primary' : assertDatasetId(input.datasetId),
    collection: assertCollection(input.collection),
    key: assertKey(input.key),
    op: 'put' as const,
    payload: input.payloadText,
    hlc: assertHlc(input.hlc),
    prevHash: assertPrevHash(input.prevHash),
  };
  if (typeof base.payload !== 'string' || base.payload.length === 0) {
    throw new SluiceError('invalid_payload', 'An append batch needs its records as JSON text.');
  }
  return markChecked({ ...base, hash: computeEntryHash(base) });
}
