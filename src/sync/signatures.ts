import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { generateSigningKey, loadSigningKey, verifyEd25519, type SigningKey } from '../core/ed25519.ts';
import { SluiceError } from '../core/errors.ts';
import { unsigned, withSignature, type OplogEntry } from '../core/oplog-entry.ts';
import type { CheckpointStore } from '../store/checkpoint-store.ts';
import type { DatasetSnapshot } from '../store/snapshot-store.ts';

/**
 * Signed chain heads. An author signs the hash of the last entry of each batch it sends, once per
 * batch: the hash chain already binds every earlier entry to that hash, so one signature vouches
 * for all of them. A receiver applies an author's new entries only when the last of them carries a
 * valid signature by a key it accepts for that author, and keeps just the signatures it verified.
 * A sender therefore cuts every batch after a signed entry, which it can always find within a
 * batch's bounds: each stored signature ends a batch that was itself within those bounds.
 */

const SIGNED_PREFIX = 'sluice-head/1:';
const encoder = new TextEncoder();
/** Checkpoint holding this dataset's own key pair (never sent, never in a snapshot). */
export const SIGNING_KEY_CHECKPOINT = 'sluice:signing-key';
const PINNED_PREFIX = 'sluice:author-keys:';
/** Keys kept per author: a node that re-installs and authenticates again adds one. */
const MAX_PINNED_KEYS = 8;

function signedMessage(hash: string): Uint8Array {
  return encoder.encode(SIGNED_PREFIX + hash);
}

/** The public key (hex) inside an entry's signature. */
export function signerOf(e: OplogEntry): string | undefined {
  return e.signature?.slice(0, 64);
}

/** This dataset's own key: signs the heads of the batches it sends of its own entries. */
export class ChainSigner {
  private constructor(
    readonly nodeId: string,
    private readonly key: SigningKey,
    /** Hex of the public key, as the handshake and signatures carry it. */
    readonly publicKey: string,
  ) {}

  /** Loads the dataset's key pair from its checkpoints, creating and storing one the first time. */
  static async open(nodeId: string, checkpoints: CheckpointStore): Promise<ChainSigner> {
    let stored = await checkpoints.get(SIGNING_KEY_CHECKPOINT);
    if (stored === undefined) {
      stored = { ...(await generateSigningKey()) };
      // Stored before it signs anything: a key that signed must survive a crash.
      await checkpoints.set(SIGNING_KEY_CHECKPOINT, stored);
    }
    const key = await loadSigningKey(stored);
    return new ChainSigner(nodeId, key, bytesToHex(key.publicKey));
  }

  async sign(e: OplogEntry): Promise<OplogEntry> {
    if (e.hlc.nodeId !== this.nodeId) throw new SluiceError('bad_signature', `Node "${this.nodeId}" cannot sign an entry by "${e.hlc.nodeId}".`);
    const signature = await this.key.sign(signedMessage(e.hash));
    return withSignature(e, this.publicKey + bytesToHex(signature));
  }
}

/**
 * Cuts an outgoing batch (ordered as stored: by HLC) to its longest prefix in which each author's
 * last entry is signed, signing our own where needed. Nothing is cut when `signer` is undefined
 * (signing is off here). Returns [] when the first author's segment has no signature in the batch:
 * the caller reads further (see extendToSigned).
 */
export async function sealOutgoing(entries: readonly OplogEntry[], signer: ChainSigner | undefined): Promise<OplogEntry[]> {
  if (signer === undefined || entries.length === 0) return [...entries];
  // Walk the batch; the prefix up to i is sealed when no author's latest entry so far is open.
  const open = new Set<string>();
  let sealedLength = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const author = e.hlc.nodeId;
    if (e.signature !== undefined || author === signer.nodeId) open.delete(author);
    else open.add(author);
    if (open.size === 0) sealedLength = i + 1;
  }
  const out = entries.slice(0, sealedLength);
  // Our own entries are sealed by signing the last of them in the prefix.
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]!.hlc.nodeId !== signer.nodeId) continue;
    if (out[i]!.signature === undefined) out[i] = await signer.sign(out[i]!);
    break;
  }
  return out;
}

/** Which keys a receiver accepts for the entries of one batch. */
export type KeyPolicy =
  /** A client's push: only the key it presented in its authenticated handshake. */
  | { readonly kind: 'connection'; readonly publicKey: string }
  /** A relaying peer: keys this node pinned for the author; the first key seen when it has none. */
  | { readonly kind: 'pinned'; readonly keys: AuthorKeys }
  /** The hub this node dialed, which vouches for the keys it relays. */
  | { readonly kind: 'vouched' };

/** The policy for what a node's own hub serves it (pulls, notices, snapshots): it vouches for the keys. */
export const VOUCHED: KeyPolicy = { kind: 'vouched' };

/**
 * Keys pinned per author, in the dataset's checkpoints. An authenticated handshake pins the key it
 * presents; a relay may introduce a key only for an author that has none yet.
 */
export class AuthorKeys {
  constructor(private readonly checkpoints: CheckpointStore) {}

  async of(author: string): Promise<readonly string[]> {
    const value = await this.checkpoints.get(PINNED_PREFIX + author);
    return Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : [];
  }

  async pin(author: string, publicKey: string): Promise<void> {
    const keys = await this.of(author);
    if (keys.includes(publicKey)) return;
    await this.checkpoints.set(PINNED_PREFIX + author, [...keys, publicKey].slice(-MAX_PINNED_KEYS));
  }
}

export interface VerifiedBatch {
  /** The fresh entries, keeping only the signatures that were verified. */
  readonly entries: OplogEntry[];
  /** Keys first learned from this batch, to pin once it is committed. */
  readonly learned: readonly (readonly [author: string, publicKey: string])[];
}

/**
 * Checks the new entries of a batch: for each author, the last one must carry a valid signature by
 * an accepted key (`bad_signature` otherwise). Signatures below it are not checked, so they are
 * dropped rather than stored: everything a node keeps or relays was verified here.
 */
export async function verifyIncoming(fresh: readonly OplogEntry[], policy: KeyPolicy): Promise<VerifiedBatch> {
  const lastOf = new Map<string, number>();
  fresh.forEach((e, i) => lastOf.set(e.hlc.nodeId, i));
  const learned: (readonly [string, string])[] = [];
  for (const [author, index] of lastOf) {
    const head = fresh[index]!;
    const signer = signerOf(head);
    if (signer === undefined) {
      throw badSignature(head, 'is not signed: a batch must end at an entry its author signed, which vouches for the entries below it');
    }
    const accepted = await acceptsKey(policy, author, signer);
    if (accepted === 'refused') throw badSignature(head, `is signed with a key this node does not accept for "${author}"`);
    if (!(await verifyEd25519(hexToBytes(signer), signedMessage(head.hash), hexToBytes(head.signature!.slice(64))))) {
      throw badSignature(head, 'carries a signature that does not verify');
    }
    if (accepted === 'learned') learned.push([author, signer]);
  }
  const entries = fresh.map((e, i) => (lastOf.get(e.hlc.nodeId) === i ? e : unsigned(e)));
  return { entries, learned };
}

async function acceptsKey(policy: KeyPolicy, author: string, signer: string): Promise<'known' | 'learned' | 'refused'> {
  switch (policy.kind) {
    case 'connection':
      return signer === policy.publicKey ? 'known' : 'refused';
    case 'vouched':
      return 'known';
    case 'pinned': {
      const pinned = await policy.keys.of(author);
      if (pinned.includes(signer)) return 'known';
      return pinned.length === 0 ? 'learned' : 'refused';
    }
  }
}

function badSignature(e: OplogEntry, why: string): SluiceError {
  return new SluiceError('bad_signature', `Entry ${e.hash.slice(0, 12)}… by "${e.hlc.nodeId}" ${why}. The batch was rejected.`, { author: e.hlc.nodeId, hash: e.hash });
}

/** A snapshot leaving this node carries its own head signed, as every other head already is. */
export async function signOwnHead(snapshot: DatasetSnapshot, signer: ChainSigner | undefined): Promise<DatasetSnapshot> {
  const head = snapshot.heads.find((h) => h.nodeId === signer?.nodeId);
  const index = head === undefined ? -1 : snapshot.oplog.findIndex((e) => e.hash === head.hash);
  if (signer === undefined || index < 0 || snapshot.oplog[index]!.signature !== undefined) return snapshot;
  const oplog = [...snapshot.oplog];
  oplog[index] = await signer.sign(oplog[index]!);
  return { ...snapshot, oplog };
}
