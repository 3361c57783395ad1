import type { JWTPayload, JWTVerifyOptions, jwtVerify } from 'jose';
import { SluiceError } from '../core/errors.ts';
import type { JwtOptions } from './auth.ts';

/** Checks one token and returns its verified claims; rejects with `auth_failed` saying why. */
export interface JwtVerifier {
  (token: string): Promise<JWTPayload>;
  /** Settles once the key is imported; rejects with `invalid_options` when it cannot be. */
  readonly ready: Promise<void>;
}

type Key = Parameters<typeof jwtVerify>[1];

/** jose is loaded on first use: only hubs verify tokens, so a browser bundle never fetches it. */
const loadJose = () => import('jose');

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
    // A token without an expiry would be valid forever.
    requiredClaims: ['exp', 'sub'],
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.algorithms === undefined ? {} : { algorithms: [...options.algorithms] }),
  };
  const ready = key.then(
    () => undefined,
    (error: unknown) => {
      throw new SluiceError('invalid_options', `auth.jwt: the key cannot be used: ${(error as Error).message}`, { field: 'auth.jwt' }, { cause: error });
    },
  );
  // Keep an import failure from surfacing as an unhandled rejection before anyone awaits it.
  ready.catch(() => undefined);
  const verify = async (token: string) => {
    if (token === '') throw new SluiceError('auth_failed', 'No token: this hub requires a JWT in the handshake (websocket(url, { token })).');
    try {
      const { jwtVerify } = await loadJose();
      const { payload } = await jwtVerify(token, (await key) as never, verifyOptions);
      return payload;
    } catch (error) {
      throw new SluiceError('auth_failed', `The JWT was refused: ${(error as Error).message}`, { reason: (error as { code?: string }).code ?? 'invalid' });
    }
  };
  return Object.assign(verify, { ready });
}

function importKey(o: JwtOptions): Promise<Key> {
  if (o.secret !== undefined) return Promise.resolve(typeof o.secret === 'string' ? new TextEncoder().encode(o.secret) : o.secret);
  if (o.jwks !== undefined) {
    const jwks = o.jwks;
    if (typeof jwks === 'string') {
      let url: URL;
      try {
        url = new URL(jwks); // a malformed URL fails here, at start
      } catch {
        throw new SluiceError('invalid_options', `auth.jwt.jwks ${JSON.stringify(jwks.slice(0, 200))} is not a URL: pass the https:// address of a JWKS, or the key set itself.`, { field: 'auth.jwt.jwks' });
      }
      return loadJose().then((jose) => jose.createRemoteJWKSet(url) as Key);
    }
    return loadJose().then((jose) => jose.createLocalJWKSet(jwks as never) as Key);
  }
  const pk = o.publicKey!;
  if (typeof pk === 'string') {
    const alg = o.algorithms?.[0];
    if (!alg) throw new SluiceError('invalid_options', 'auth.jwt.publicKey as PEM needs auth.jwt.algorithms, e.g. ["EdDSA"], ["ES256"] or ["RS256"].', { field: 'auth.jwt.algorithms' });
    return loadJose().then((jose) => jose.importSPKI(pk, alg) as Promise<Key>);
  }
  if (typeof (pk as CryptoKey).type === 'string' && typeof (pk as CryptoKey).algorithm === 'object') return Promise.resolve(pk as Key);
  const jwk = pk as JsonWebKey & { alg?: string };
  return loadJose().then((jose) => jose.importJWK(jwk as never, jwk.alg ?? o.algorithms?.[0]) as Promise<Key>);
}
