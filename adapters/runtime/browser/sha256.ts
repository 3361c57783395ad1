import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/*
 * SHA-256 in browsers (and any runtime without node:crypto): @noble/hashes, synchronous. WebCrypto's
 * digest is native but only asynchronous, and a hash chain is computed entry after entry, where
 * awaiting once per entry costs more than the hash. Chosen by the `#sluice/sha256` import conditions.
 */

const encoder = new TextEncoder();

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(encoder.encode(text)));
}
