import type { StorageAdapter } from '../storage-adapter.ts';
import type { ContractInstance } from './fixtures.ts';

/** What each contract group gets: the current instance, plus ways to crash or reopen it. */
export interface SuiteContext {
  adapter(): StorageAdapter;
  instance(): ContractInstance;
  /** The next write transaction throws just before commit. */
  failNextCommit(): void;
  /** A fresh instance with a different payload limit (closed and destroyed with the test). */
  withLimit(maxPayloadBytes: number): Promise<StorageAdapter>;
  /** Whether the adapter stores instance datasets (`user/u123`); one that does not must refuse them. */
  readonly instances: boolean;
}
