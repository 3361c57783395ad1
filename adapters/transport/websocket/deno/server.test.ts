import { runtimeServerSuite } from '../../../../test/runtime-server-suite.ts';

// Deno as a hub (Deno.serve + node:sqlite) for Node clients, and as a client of a Node hub.
runtimeServerSuite('deno');
