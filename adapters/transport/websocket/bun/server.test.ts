import { runtimeServerSuite } from '../../../../test/runtime-server-suite.ts';

// Bun as a hub (Bun.serve + bun:sqlite) for Node clients, and as a client of a Node hub.
runtimeServerSuite('bun');
