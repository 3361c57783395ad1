/*
 * sluice/cloudflare: a sluice hub on Cloudflare Workers. SluiceHubObject is the Durable Object (one
 * per dataset, or per tenant and dataset; each instance of a template is a dataset), routeToHub
 * the Worker's router, durableObjectStorage the storage adapter over an object's SQLite. See
 * docs/edge.md.
 */
export { SluiceHubObject } from './hub-object.ts';
export { routeToHub, type HubTarget, type RouteOptions } from './route-to-hub.ts';
export { authFromEnv, datasetsFromEnv, type HubObjectOptions } from './hub-options.ts';
export { durableObjectStorage } from '../../storage/durable-object/index.ts';
export type { Principal, AuthOptions, JwtOptions } from '../../../src/sync/auth.ts';
