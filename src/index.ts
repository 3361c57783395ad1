// The package entry: the node, its options and handles, errors, queries, and the append and sink
// option types. Browsers get src/browser.ts instead (same API, a thinner createNode).
export * from './api.ts';
export { createNode } from './runtime/create-node.ts';
