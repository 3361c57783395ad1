/**
 * Set by routeToHub on the upgrade it forwards: which dataset the object is to serve. The object
 * is reachable only through the Worker's binding, so the header comes from the router; the router
 * drops any copy the client sent. It selects, never authorizes: the handshake is checked again.
 */
export const DATASET_HEADER = 'x-sluice-dataset';
