import { createLocalJWKSet, createRemoteJWKSet, importJWK, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { SluiceError } from '../core/errors.ts';
import type { JwtOptions } from './auth.ts';

/** Checks one token and returns its verified claims; rejects with `auth_failed` saying why. */
export type JwtVerifier = (token: string) => Promise<JWTPayload>;

type Key = Parameters<typeof jwtVerify>[1];

/**
 * Builds the verifier once per hub: keys are imported once, and a remote JWKS is fetched and cached
 * by jose (refetched when a token names an unknown key id).
 */
export function jwtVerifier(options: JwtOptions): JwtVerifier {
  const sources = [options.secret, options.publicKey, options.jwks].filter((v) => v !== undefined).length;
  if (sources !== 1) {
    throw new SluiceError('invalid_options', 'auth.jwt needs exactly one of secret, publicKey or jwks.', { field: 'auth.jwt' });
  }
  const key = importKey(options);
  const verifyOptions: JWTVerifyOptions = {
    clockTolerance: options.clockToleranceSec ?? 30,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.algorithms === undefined ? {} : { algorithms: [...options.algorithms] }),
  };
  // Keep an import failure from surfacing as an unhandled rejection before the first handshake.
  key.catch(() => undefined);
  return async (token) => {
    if (token === '') throw new SluiceError('auth_failed', 'No token: this hub requires a JWT in the handshake (websocket(url, { token })).');
    try {
      const { payload } = await jwtVerify(token, (await key) as never, verifyOptions);
      return payload;
    } catch (error) {
      throw new SluiceError('auth_failed', `The JWT was refused: ${(error as Error).message}`, { reason: (error as { code?: string }).code ?? 'invalid' });
    }
  };
}

function importKey(o: JwtOptions): Promise<Key> {
  if (o.secret !== undefined) return Promise.resolve(typeof o.secret === 'string' ? new TextEncoder().encode(o.secret) : o.secret);
  if (o.jwks !== undefined) {
    if (typeof o.jwks === 'string') return Promise.resolve(createRemoteJWKSet(new URL(o.jwks)) as Key);
    return Promise.resolve(createLocalJWKSet(o.jwks as never) as Key);
  }
  const pk = o.publicKey!;
  if (typeof pk === 'string') {
    const alg = o.algorithms?.[0];
    if (!alg) throw new SluiceError('invalid_options', 'auth.jwt.publicKey as PEM needs auth.jwt.algorithms, e.g. ["EdDSA"], ["ES256"] or ["RS256"].', { field: 'auth.jwt.algorithms' });
    return importSPKI(pk, alg) as Promise<Key>;
  }
  if (typeof (pk as CryptoKey).type === 'string' && typeof (pk as CryptoKey).algorithm === 'object') return Promise.resolve(pk as Key);
  const jwk = pk as JsonWebKey & { alg?: string };
  return importJWK(jwk as never, jwk.alg ?? o.algorithms?.[0]) as Promise<Key>;
}
