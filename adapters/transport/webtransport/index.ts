export { webTransport, type WebTransportConnectorOptions } from './client.ts';
export { StreamTransport, type ByteStreamPair, type StreamTransportOptions } from './stream-transport.ts';
