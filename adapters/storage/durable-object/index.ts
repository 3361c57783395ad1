// Storage in a Durable Object's own SQLite database, for hubs and nodes that run on Cloudflare.
export { durableObjectStorage, MAX_DURABLE_OBJECT_PAYLOAD_BYTES, type DurableObjectStorageInput, type DurableObjectStorageOptions } from './durable-object-storage.ts';
