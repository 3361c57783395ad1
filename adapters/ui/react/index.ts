/*
 * sluice/react: live queries, documents and sync status as React hooks, for React 18 and 19.
 * Each is built on useSyncExternalStore, so a component renders from one consistent snapshot and
 * re-renders only when what it reads changed.
 */
export { useQuery, type QueryState } from './use-query.ts';
export { useDocument, type DocumentState } from './use-document.ts';
export { useSyncStatus, type SyncStatus } from './use-sync-status.ts';
