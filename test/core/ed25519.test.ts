import { describe, expect, it } from 'vitest';
import { loadSigningKey, nobleBackend, verifyEd25519, webCryptoBackend } from '../../src/core/ed25519.ts';

const message = new TextEncoder().encode('sluice-head/1:' + 'a'.repeat(64));

describe('Ed25519 backends', () => {
  const backends = { webcrypto: webCryptoBackend(globalThis.crypto.subtle), noble: nobleBackend() };

  it.each([
    ['webcrypto', 'noble'],
    ['noble', 'webcrypto'],
  ] as const)('a key made and used by %s is read, and its signatures verified, by %s', async (from, to) => {
    const stored = await backends[from].generate();
    const signer = await backends[from].load(stored);
    const signature = await signer.sign(message);
    expect(await backends[to].verify(signer.publicKey, message, signature)).toBe(true);
    // the stored form is the same for both: the other backend signs with it identically (Ed25519 is deterministic)
    const again = await (await backends[to].load(stored)).sign(message);
    expect(Buffer.from(again).toString('hex')).toBe(Buffer.from(signature).toString('hex'));
    const tampered = signature.slice();
    tampered[10] = tampered[10]! ^ 1;
    expect(await backends[to].verify(signer.publicKey, message, tampered)).toBe(false);
  });

  it('says false, not throws, for a public key that is not a curve point or has the wrong size', async () => {
    const signature = new Uint8Array(64);
    for (const backend of Object.values(backends)) expect(await backend.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false);
    expect(await verifyEd25519(new Uint8Array(31), message, signature)).toBe(false);
  });

  it('refuses a stored key that is not a key pair with invalid_options', async () => {
    for (const bad of [null, 'key', { d: 'x', x: 'y' }, { d: 'A'.repeat(43) }]) {
      await expect(loadSigningKey(bad)).rejects.toMatchObject({ code: 'invalid_options' });
    }
  });
});
