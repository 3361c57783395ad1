import { isValidDatasetId } from '../../../src/core/dataset-id.ts';
import { isSluiceError, SluiceError } from '../../../src/core/errors.ts';
import type { AuthOptions, Principal } from '../../../src/sync/auth.ts';
import { Authenticator } from '../../../src/sync/peer-identity.ts';
import { DATASET_PARAM, TOKEN_PARAM } from '../../transport/websocket/upgrade-params.ts';
import { authFromEnv } from './hub-options.ts';
import { DATASET_HEADER } from './route-headers.ts';
import type { DurableObjectNamespaceLike } from './workers-types.ts';

/** Which object serves an upgrade: the dataset, and the tenant where the app names tenants. */
export interface HubTarget {
  readonly dataset: string;
  /** 1-64 of A-Z a-z 0-9 . _ ~ -: each tenant's dataset is an object of its own. */
  readonly tenant?: string;
}

export interface RouteOptions {
  /** Checked before anything reaches an object. Default: authFromEnv(env), as the object reads it. */
  readonly auth?: AuthOptions;
  /**
   * Picks the object for an authenticated upgrade; null refuses it (404). Default: the dataset the
   * client's upgrade names, with no tenant. `dataset` there is what the client asked for.
   */
  readonly datasetFor?: (request: Request, principal: Principal, requested: string) => HubTarget | string | null | Promise<HubTarget | string | null>;
  /** The name of the Durable Object binding in the Worker's env. Default 'SLUICE_HUB'. */
  readonly binding?: string;
}

const TENANT_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

/** One Authenticator per auth options object: a JWT key or a JWKS is imported once per isolate. */
const authenticators = new WeakMap<AuthOptions, Authenticator>();
const envAuth = new WeakMap<object, AuthOptions>();

/**
 * The Worker's fetch handler for sync traffic: authenticates the upgrade (the token the client
 * sends with it, a JWT checked with jose), checks the dataset is granted, and forwards the upgrade
 * to the object for (tenant?, dataset). Nothing unauthenticated reaches, wakes or creates an object.
 *
 *   export default { fetch: (request, env) => routeToHub(request, env) };
 *
 * Refusals are HTTP answers (401, 403, 404, 426); the client's WebSocket reports a failed connect
 * and retries with backoff. The object checks the handshake again, as any sluice hub does.
 */
export async function routeToHub(request: Request, env: Readonly<Record<string, unknown>>, options: RouteOptions = {}): Promise<Response> {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return new Response('sluice: WebSocket only', { status: 426, headers: { upgrade: 'websocket' } });
  }
  const binding = options.binding ?? 'SLUICE_HUB';
  const namespace = env[binding] as DurableObjectNamespaceLike | undefined;
  if (typeof namespace?.idFromName !== 'function') {
    throw new SluiceError('invalid_options', `routeToHub: env.${binding} is not a Durable Object binding: bind the SluiceHubObject class as ${binding} in wrangler's durable_objects.bindings, or pass { binding }.`, { field: 'binding' });
  }
  const url = new URL(request.url);
  const requested = url.searchParams.get(DATASET_PARAM) ?? 'primary';
  const token = url.searchParams.get(TOKEN_PARAM) ?? bearer(request.headers.get('authorization')) ?? '';
  const authenticator = authenticatorFor(options.auth ?? authFromEnvOnce(env));
  let principal: Principal;
  try {
    principal = await authenticator.principalFor(token, 'anonymous');
  } catch (error) {
    if (isSluiceError(error, 'auth_failed')) return new Response(`sluice: auth_failed: ${error.message}`, { status: 401 });
    throw error;
  }
  const chosen = options.datasetFor ? await options.datasetFor(request, principal, requested) : requested;
  if (chosen === null) return new Response('sluice: no hub for this request', { status: 404 });
  const target: HubTarget = typeof chosen === 'string' ? { dataset: chosen } : chosen;
  if (!isValidDatasetId(target.dataset)) return new Response(`sluice: invalid_dataset_id: ${JSON.stringify(target.dataset).slice(0, 60)}`, { status: 400 });
  if (target.tenant !== undefined && !TENANT_PATTERN.test(target.tenant)) {
    throw new SluiceError('invalid_options', `routeToHub: datasetFor returned tenant ${JSON.stringify(target.tenant).slice(0, 80)}: use 1-64 of A-Z a-z 0-9 . _ ~ -.`, { field: 'datasetFor' });
  }
  if (!(await authenticator.grants(principal, target.dataset))) {
    return new Response(`sluice: dataset_not_granted: ${target.dataset} is not granted to ${principal.id}`, { status: 403 });
  }
  // Dataset ids cannot hold '/', so "tenant/dataset" never names another tenant's object.
  const name = target.tenant === undefined ? target.dataset : `${target.tenant}/${target.dataset}`;
  const headers = new Headers(request.headers);
  headers.set(DATASET_HEADER, target.dataset);
  return namespace.get(namespace.idFromName(name)).fetch(new Request(request, { headers }));
}

function authenticatorFor(auth: AuthOptions): Authenticator {
  let authenticator = authenticators.get(auth);
  if (!authenticator) {
    authenticator = new Authenticator(auth);
    authenticators.set(auth, authenticator);
  }
  return authenticator;
}

/** The env object lives as long as the isolate: its auth is read once. */
function authFromEnvOnce(env: Readonly<Record<string, unknown>>): AuthOptions {
  let auth = envAuth.get(env);
  if (!auth) {
    auth = authFromEnv(env);
    envAuth.set(env, auth);
  }
  return auth;
}

function bearer(header: string | null): string | undefined {
  const match = header === null ? null : /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1];
}
