/*
 * What routeToHub tells the object on the upgrade it forwards. The object is reachable only through
 * the Worker's binding, so these come from the router, which overwrites any copy the client sent.
 * They select and narrow, never widen: the object checks the handshake again itself.
 */

/** The dataset the object serves. */
export const DATASET_HEADER = 'x-sluice-dataset';
/** The tenant, where the router names tenants: the object serves one tenant's dataset for good. */
export const TENANT_HEADER = 'x-sluice-tenant';
/** SHA-256 of the token the router verified: the handshake must present the same token. */
export const TOKEN_DIGEST_HEADER = 'x-sluice-token-digest';
/**
 * A verified principal, hashed to fit a socket tag: the object counts open sockets per principal
 * from the upgrade on, handshake or not, and across hibernation.
 */
export const PRINCIPAL_HEADER = 'x-sluice-principal';
