/*
 * The browser entry measured by `npm run bench -- bundle`: core + Dexie + WebSocket, what a web
 * page imports to sync through a hub.
 */
export { createNode } from '../../src/index.ts';
export { dexieStorage } from '../../adapters/storage/dexie/index.ts';
export { websocket } from '../../adapters/transport/websocket/index.ts';
