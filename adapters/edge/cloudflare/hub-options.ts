import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import type { ResolverSpec } from '../../../src/core/resolvers/registry.ts';
import type { DatasetConfig } from '../../../src/runtime/node-options.ts';
import type { AuthOptions, JwtOptions } from '../../../src/sync/auth.ts';
import { EdgeDatasets } from './edge-datasets.ts';

/** What a hub object serves, and to whom. Objects and the Worker's router must agree on `auth`. */
export interface HubObjectOptions {
  /** Checked on every handshake, as on a Node hub. Default: authFromEnv(env). */
  readonly auth?: AuthOptions;
  /**
   * The datasets an object may serve, with their options; each object serves one of them (and
   * one tenant's, where the router names tenants). Keys are dataset ids or templates such as
   * `user/{sub}`: each instance of a template (`user/u123`) is an object of its own, with the
   * template's options, granted by the token's claims. Default: SLUICE_DATASETS, else `{ primary: {} }`.
   */
  readonly datasets?: Readonly<Record<DatasetId, Omit<DatasetConfig, 'worker' | 'sinks'>>>;
  readonly resolvers?: Record<string, ResolverSpec>;
  /** Open sockets per object, beyond which new ones are refused (closed with 4429, too_many_connections). Default 10,000. */
  readonly maxConnections?: number;
  /** Largest frame accepted, in bytes: 1 KiB to 32 MiB (the platform's WebSocket message limit). Default 4 MiB. */
  readonly maxFrameBytes?: number;
  readonly maxClockDriftMs?: number;
  /** Default true, as on a Node hub: see docs/security.md before turning it off. */
  readonly signing?: boolean;
}

/** The platform refuses WebSocket messages above 32 MiB (close 1009) before the object sees them. */
export const PLATFORM_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 10_000;

type Env = Readonly<Record<string, unknown>>;

/**
 * Auth from the Worker's environment (wrangler vars and secrets), so the object and the router
 * read one configuration:
 * - SLUICE_JWT_SECRET, SLUICE_JWT_PUBLIC_KEY (PEM or JWK JSON) or SLUICE_JWT_JWKS (an https URL),
 *   with SLUICE_JWT_ISSUER, SLUICE_JWT_AUDIENCE and SLUICE_JWT_ALGORITHMS (needed with a PEM key) when set;
 * - else SLUICE_TOKEN, a shared token for development.
 * With none of them it throws: an edge hub is on the internet, and is never open by default.
 */
export function authFromEnv(env: Env): AuthOptions {
  const text = (name: string): string | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new SluiceError('invalid_options', `${name} must be a string (a wrangler var or secret).`, { field: name });
    return value;
  };
  const secret = text('SLUICE_JWT_SECRET');
  const publicKey = text('SLUICE_JWT_PUBLIC_KEY');
  const jwks = text('SLUICE_JWT_JWKS');
  const issuer = text('SLUICE_JWT_ISSUER');
  const audience = text('SLUICE_JWT_AUDIENCE');
  // A PEM key says nothing of its algorithm: jose needs to be told (e.g. "RS256" or "ES256,EdDSA").
  const algorithms = text('SLUICE_JWT_ALGORITHMS')?.split(',').map((a) => a.trim()).filter(Boolean);
  if (secret !== undefined || publicKey !== undefined || jwks !== undefined) {
    const jwt: JwtOptions = {
      ...(secret === undefined ? {} : { secret }),
      ...(publicKey === undefined ? {} : { publicKey: publicKey.trimStart().startsWith('{') ? (JSON.parse(publicKey) as JsonWebKey) : publicKey }),
      ...(jwks === undefined ? {} : { jwks }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
      ...(algorithms === undefined ? {} : { algorithms }),
    };
    return { jwt };
  }
  const token = text('SLUICE_TOKEN');
  if (token !== undefined) return { token };
  throw new SluiceError(
    'invalid_options',
    'The edge hub has no auth: set the secret SLUICE_JWT_SECRET (or SLUICE_JWT_PUBLIC_KEY / SLUICE_JWT_JWKS), or SLUICE_TOKEN for development, or pass auth to routeToHub and override hubOptions() in your SluiceHubObject subclass.',
    { field: 'auth' },
  );
}

/**
 * SLUICE_DATASETS: dataset ids and templates separated by commas, each optionally followed by
 * `:append` (an append dataset) or `:documents` (the default kind), e.g.
 * "primary,logs:append,user/{sub},team/{team}:documents". A template's instances (`user/u123`) are
 * served by objects of their own, to the principals its claims name. Default `{ primary: {} }`.
 */
export function datasetsFromEnv(env: Env): Record<DatasetId, DatasetConfig> {
  const raw = env.SLUICE_DATASETS;
  if (raw === undefined || raw === '') return { primary: {} };
  if (typeof raw !== 'string') throw new SluiceError('invalid_options', 'SLUICE_DATASETS must be a string such as "primary,logs:append,user/{sub}".', { field: 'SLUICE_DATASETS' });
  const out: Record<DatasetId, DatasetConfig> = {};
  // Neither ids nor templates hold ':', so the kind is whatever follows the one ':' there may be.
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [id, kind, ...rest] = part.split(':');
    if (rest.length > 0 || (kind !== undefined && kind !== 'append' && kind !== 'documents')) {
      throw new SluiceError('invalid_options', `SLUICE_DATASETS: ${JSON.stringify(part)} is not "id", "id:append" or "id:documents" (an id may be a template such as "user/{sub}").`, { field: 'SLUICE_DATASETS' });
    }
    out[id!] = kind === 'append' ? { kind: 'append' } : {};
  }
  // Checked here, so a typo fails the router and the objects alike, naming the variable.
  new EdgeDatasets(Object.keys(out), 'SLUICE_DATASETS');
  return out;
}
