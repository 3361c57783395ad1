/*
 * The package entry for browsers (the `browser` export condition): the same API, with a createNode
 * whose page-side client is thin, since datasets run in workers shared by the origin's tabs.
 */
export * from './api.ts';
export { createNode } from './runtime/tabs/create-tab-node.ts';
