import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();

/**
 * Synchronous SHA-256 (via @noble/hashes) rather than WebCrypto: a hash chain is inherently
 * sequential, and awaiting `crypto.subtle.digest` once per entry costs more than the hash itself.
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(encoder.encode(text)));
}

export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}
