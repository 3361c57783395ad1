/**
 * Synchronous SHA-256 of a string's UTF-8 bytes, as lowercase hex. A hash chain is computed entry
 * after entry, so it must be synchronous: native node:crypto where the runtime has it, @noble/hashes
 * elsewhere, chosen by the package's `#sluice/sha256` import conditions (no runtime sniffing).
 */
export { sha256Hex } from '#sluice/sha256';
