/*
 * The browser entry measured by `npm run bench -- bundle`: core + Dexie + WebSocket, what a web
 * page imports to sync through a hub.
 */
export { createNode } from 'sluice';
export { dexieStorage } from 'sluice/dexie';
export { websocket } from 'sluice/websocket';
