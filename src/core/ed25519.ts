import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { SluiceError } from './errors.ts';

/**
 * Ed25519 for chain-head signatures. WebCrypto where the runtime has Ed25519 (Node 20+, Deno, Bun,
 * current browsers), because it is native and several times faster; @noble/curves otherwise.
 * The fallback is imported statically: a dataset worker built the way Vite builds workers by
 * default (one IIFE) cannot split a lazily imported chunk off.
 *
 * A key is stored as its JWK pair `{ d, x }` (base64url seed and public key): both WebCrypto and
 * @noble/curves take that form, so a key written by one backend is read by the other.
 */
export interface StoredSigningKey {
  readonly d: string;
  readonly x: string;
}

export interface SigningKey {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** @internal One implementation of the primitives; exported for the test that they interoperate. */
export interface Backend {
  generate(): Promise<StoredSigningKey>;
  load(stored: StoredSigningKey): Promise<SigningKey>;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

let backend: Promise<Backend> | undefined;

function chooseBackend(): Promise<Backend> {
  backend ??= (async () => {
    const subtle = globalThis.crypto?.subtle;
    if (subtle) {
      try {
        // Probe with a real key: some runtimes know the name but cannot generate or sign.
        const probe = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
        await subtle.sign('Ed25519', probe.privateKey, new Uint8Array(1));
        return webCryptoBackend(subtle);
      } catch {
        // Fall through to the portable implementation.
      }
    }
    return nobleBackend();
  })();
  return backend;
}

/**
 * Imported verification keys, by public key: importing costs about a third as much as verifying
 * (measured on Node: 70 of 255 µs), and a node verifies the same few authors' keys over and over.
 */
const VERIFY_KEYS_CACHED = 256;

/** @internal */
export function webCryptoBackend(subtle: SubtleCrypto): Backend {
  const verifyKeys = new Map<string, Promise<CryptoKey>>();
  const verifyKey = (publicKey: Uint8Array): Promise<CryptoKey> => {
    const id = bytesToHex(publicKey);
    let key = verifyKeys.get(id);
    if (key === undefined) {
      key = subtle.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
      // A key that fails to import is not kept: the next attempt tries again (and fails the same way).
      key.catch(() => verifyKeys.delete(id));
      if (verifyKeys.size >= VERIFY_KEYS_CACHED) verifyKeys.delete(verifyKeys.keys().next().value!);
      verifyKeys.set(id, key);
    }
    return key;
  };
  return {
    async generate() {
      const pair = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
      const jwk = await subtle.exportKey('jwk', pair.privateKey);
      return { d: jwk.d!, x: jwk.x! };
    },
    async load(stored) {
      const key = await subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', d: stored.d, x: stored.x }, { name: 'Ed25519' }, false, ['sign']);
      return { publicKey: fromBase64Url(stored.x), sign: async (message) => new Uint8Array(await subtle.sign('Ed25519', key, message as Uint8Array<ArrayBuffer>)) };
    },
    async verify(publicKey, message, signature) {
      try {
        return await subtle.verify('Ed25519', await verifyKey(publicKey), signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
      } catch {
        // A key that is not a curve point cannot have signed anything.
        return false;
      }
    },
  };
}

/** @internal */
export function nobleBackend(): Backend {
  return {
    async generate() {
      const seed = ed25519.utils.randomSecretKey();
      return { d: toBase64Url(seed), x: toBase64Url(ed25519.getPublicKey(seed)) };
    },
    async load(stored) {
      const seed = fromBase64Url(stored.d);
      return { publicKey: fromBase64Url(stored.x), sign: async (message) => ed25519.sign(message, seed) };
    },
    async verify(publicKey, message, signature) {
      try {
        return ed25519.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  };
}

export async function generateSigningKey(): Promise<StoredSigningKey> {
  return (await chooseBackend()).generate();
}

/** Loads a stored key; `invalid_options` if it is not a key pair this module wrote. */
export async function loadSigningKey(stored: unknown): Promise<SigningKey> {
  const s = stored as Partial<StoredSigningKey> | null;
  const refuse = () => new SluiceError('invalid_options', 'The stored signing key is not an Ed25519 key pair: restore it from a backup, or delete the sluice:signing-key checkpoint to let the dataset make a new one (a hub that relays for this node will then refuse its entries under the new key until the node authenticates there again).');
  if (typeof s !== 'object' || s === null || !isBase64UrlOf(s.d, 32) || !isBase64UrlOf(s.x, 32)) throw refuse();
  const backend = await chooseBackend();
  try {
    return await backend.load({ d: s.d!, x: s.x! });
  } catch {
    throw refuse();
  }
}

export async function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  return (await chooseBackend()).verify(publicKey, message, signature);
}

function isBase64UrlOf(value: unknown, bytes: number): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return false;
  try {
    return fromBase64Url(value).length === bytes;
  } catch {
    return false;
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
