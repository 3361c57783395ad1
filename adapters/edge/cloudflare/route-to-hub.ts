import { isSluiceError, SluiceError } from '../../../src/core/errors.ts';
import { CLOSE_CODES } from '../../../src/protocol/transport.ts';
import { tokenDigest, type AuthOptions, type Principal } from '../../../src/sync/auth.ts';
import { Authenticator } from '../../../src/sync/peer-identity.ts';
import { DATASET_PARAM, TOKEN_PARAM } from '../../transport/websocket/upgrade-params.ts';
import { EdgeDatasets } from './edge-datasets.ts';
import { authFromEnv, datasetsFromEnv } from './hub-options.ts';
import { refusedUpgrade } from './refused-upgrade.ts';
import { DATASET_HEADER, PRINCIPAL_HEADER, TENANT_HEADER, TOKEN_DIGEST_HEADER } from './route-headers.ts';
import type { DurableObjectNamespaceLike } from './workers-types.ts';

/** Which object serves an upgrade: the dataset, and the tenant where the app names tenants. */
export interface HubTarget {
  readonly dataset: string;
  /** 1-64 of A-Z a-z 0-9 . _ ~ -: each tenant's dataset is an object of its own. */
  readonly tenant?: string;
}

export interface RouteOptions {
  /**
   * Checked before anything reaches an object. Default: authFromEnv(env), as the object reads it.
   * Define it once (at module scope): a JWT key or JWKS is imported once per options object.
   */
  readonly auth?: AuthOptions;
  /**
   * The datasets the hub objects serve: ids, and templates such as `user/{sub}` whose instances are
   * granted by the token's claims. Default: those of SLUICE_DATASETS, as the object reads them.
   */
  readonly datasets?: readonly string[];
  /**
   * Picks the object for an authenticated upgrade; null refuses it. Default: the dataset the
   * client's upgrade names, with no tenant. `requested` is what the client asked for.
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
 * sends with it, a JWT checked with jose), checks the dataset is served and granted, and forwards
 * the upgrade to the object for (tenant?, dataset). An instance of a template (`user/u123` of
 * `user/{sub}`) is a dataset of its own, with an object of its own, made when its first granted
 * client comes. Nothing unauthenticated or ungranted reaches, wakes or creates an object.
 *
 *   export default { fetch: (request, env) => routeToHub(request, env) };
 *
 * A refused upgrade is answered in the Worker as a hub answers a refused handshake (close 4401,
 * 4403), so the client reports auth_failed or dataset_not_granted. The object checks the handshake
 * again, and requires it to present the very token verified here.
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
  const auth = options.auth ?? authFromEnvOnce(env);
  const authenticator = authenticatorFor(auth);
  let principal: Principal;
  try {
    principal = await authenticator.principalFor(token, 'anonymous');
  } catch (error) {
    if (!isSluiceError(error, 'auth_failed')) throw error;
    const hint = token === '' ? ' The upgrade carried no token: give websocket() the token, and leave tokenInUrl on.' : '';
    return refusedUpgrade(CLOSE_CODES.authFailed, { reason: `auth_failed: ${error.message}${hint}` });
  }
  const chosen = options.datasetFor ? await options.datasetFor(request, principal, requested) : requested;
  const target: HubTarget | null = chosen === null ? null : typeof chosen === 'string' ? { dataset: chosen } : chosen;
  const served = options.datasets === undefined ? new EdgeDatasets(Object.keys(datasetsFromEnv(env)), 'SLUICE_DATASETS') : new EdgeDatasets(options.datasets, 'datasets');
  if (target === null || !served.has(target.dataset)) {
    return refusedUpgrade(CLOSE_CODES.notGranted, { reason: `this hub does not serve dataset ${JSON.stringify(requested).slice(0, 60)}`, notGranted: true });
  }
  if (target.tenant !== undefined && !TENANT_PATTERN.test(target.tenant)) {
    throw new SluiceError('invalid_options', `routeToHub: datasetFor returned tenant ${JSON.stringify(target.tenant).slice(0, 80)}: use 1-64 of A-Z a-z 0-9 . _ ~ -.`, { field: 'datasetFor' });
  }
  // Granted by the same rule, and the same template, as the object's handshake check: a client
  // asking for another user's instance is refused here, and no object is made for it.
  const template = served.templateOf(target.dataset);
  // A shared token says nothing of who connects: the object grants by the node id its handshake
  // declares. But a shared token is never granted a template's instance (short of an authorize
  // hook, which needs that node id), so such a request is refused here too.
  const decidedHere = principal.verified || (template !== undefined && auth.authorize === undefined);
  if (decidedHere && !(await authenticator.grants(principal, target.dataset, template))) {
    return refusedUpgrade(CLOSE_CODES.notGranted, { reason: `dataset ${target.dataset} is not granted to ${principal.id}`, notGranted: true });
  }
  // Neither tenants nor dataset ids (instance segments included) hold ':', so "tenant:dataset" splits
  // at its only ':' and never names another tenant's object; a '/' of an instance id is just a
  // character of the name (idFromName hashes any string). The object never parses its name: it is
  // told its dataset and tenant below, and keeps them.
  const name = target.tenant === undefined ? target.dataset : `${target.tenant}:${target.dataset}`;
  const headers = new Headers(request.headers);
  headers.set(DATASET_HEADER, target.dataset);
  headers.set(TOKEN_DIGEST_HEADER, tokenDigest(token));
  if (target.tenant !== undefined) headers.set(TENANT_HEADER, target.tenant);
  else headers.delete(TENANT_HEADER);
  if (principal.verified) headers.set(PRINCIPAL_HEADER, tokenDigest(`sub:${principal.id}`));
  else headers.delete(PRINCIPAL_HEADER);
  // The object has what it needs of the token: it does not travel further.
  url.searchParams.delete(TOKEN_PARAM);
  headers.delete('authorization');
  return namespace.get(namespace.idFromName(name)).fetch(new Request(url.toString(), { method: request.method, headers }));
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
