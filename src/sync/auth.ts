import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { DatasetId } from '../core/dataset-id.ts';

/** The verified identity behind a connection, as grants and hooks see it. */
export interface Principal {
  /**
   * Who is connecting: a JWT's verified `sub`; under a shared token or an open hub, only the node id
   * the peer declared (nothing verifies it: use JWT where peers do not trust each other).
   */
  readonly id: string;
  /** The JWT's verified claims; empty under a shared token or an open hub. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** True when `id` was proven (a verified JWT), not just declared. */
  readonly verified: boolean;
}

/**
 * JWT verification (with `jose`, in every runtime). Exactly one of `secret`, `publicKey` or `jwks`.
 * The token travels in the handshake's auth token; its `sub` is the principal.
 */
export interface JwtOptions {
  /** HMAC secret (HS256/384/512). */
  readonly secret?: string | Uint8Array;
  /** A public key: PEM (SPKI), a JWK, or a CryptoKey (RS*, PS*, ES*, EdDSA). */
  readonly publicKey?: string | JsonWebKey | CryptoKey;
  /** A JSON Web Key Set: its https:// URL (fetched and cached by jose) or the set itself. */
  readonly jwks?: string | { readonly keys: readonly JsonWebKey[] };
  /** Required `iss`, when set. */
  readonly issuer?: string;
  /** Required `aud`, when set. */
  readonly audience?: string;
  /** Accepted algorithms; default: whatever the key allows. */
  readonly algorithms?: readonly string[];
  /** Seconds of clock skew tolerated on exp/nbf. Default 30. */
  readonly clockToleranceSec?: number;
  /** Claim listing the datasets granted (an array of ids, `"*"` for all). Default `"datasets"`. */
  readonly datasetsClaim?: string;
  /**
   * Claim listing datasets granted read-only (an array of ids, `"*"` for all): the principal pulls
   * them and its pushes are refused (`dataset_read_only`). A dataset granted read-write as well,
   * by the datasets claim or a template, stays read-write. Default `"read"`.
   */
  readonly readClaim?: string;
  /** Claim listing node ids the principal may act as, besides `sub` itself. Default `"nodes"`. */
  readonly nodesClaim?: string;
  /** Claim that, when `true`, lets the principal relay other authors' entries (hub to hub). Default `"relay"`. */
  readonly relayClaim?: string;
}

export interface AuthOptions {
  /**
   * Shared token every peer must present: for development. Anyone holding it may connect as any
   * node id; writes are still bound to the node id each connection declares.
   */
  readonly token?: string;
  /** Verify a JWT per connection instead (the production setting). */
  readonly jwt?: JwtOptions;
  /**
   * Per-dataset grant: `true` or `'write'` grants read-write, `'read'` read-only (pull only), and
   * anything else refuses. Without it, a JWT grants what its claims say (its datasets and read
   * claims, and the hub's templates filled from its claims; nothing by default), and a shared
   * token or an open hub grants every dataset read-write.
   */
  readonly authorize?: (principal: Principal, datasetId: DatasetId) => Access | boolean | Promise<Access | boolean>;
  /**
   * Node ids allowed to relay other authors' entries when there is no JWT to say so (hub-to-hub
   * links under a shared token). A JWT grants relaying through its relay claim instead.
   */
  readonly relays?: readonly string[];
  /** Open connections allowed per principal. Default 64. */
  readonly maxConnectionsPerPrincipal?: number;
}

export const DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL = 64;

/** What a grant allows: `'write'` to pull and push, `'read'` to pull only. */
export type Access = 'read' | 'write';

const encoder = new TextEncoder();

/**
 * The SHA-256 of a token, in hex: what a router that verified a token at the upgrade tells the hub,
 * so the hub can require the handshake to present that very token (AcceptOptions.upgradeTokenDigest).
 */
export function tokenDigest(token: string): string {
  return bytesToHex(sha256(encoder.encode(token)));
}

/**
 * Compares tokens in time independent of where they differ: both sides are hashed to 32 bytes
 * first, so neither the content nor the length of the expected token leaks through timing.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = sha256(encoder.encode(presented));
  const b = sha256(encoder.encode(expected));
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
