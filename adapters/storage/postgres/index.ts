export { postgresStorage, type PostgresClientOptions, type PostgresStorageOptions, type PostgresUrlOptions } from './postgres-storage.ts';
