export { websocket, type WebSocketConnectorOptions } from './client.ts';
export { WebSocketTransport, type WebSocketLike } from './socket-transport.ts';
