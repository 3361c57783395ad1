import { afterEach, beforeEach, describe } from 'vitest';
import type { StorageAdapter } from '../storage-adapter.ts';
import { badInputContract } from './bad-input.contract.ts';
import { checkpointStoreContract } from './checkpoint-store.contract.ts';
import { confirmationStoreContract } from './confirmation-store.contract.ts';
import { documentStoreContract } from './document-store.contract.ts';
import { durabilityContract } from './durability.contract.ts';
import type { ContractInstance, ContractSetup } from './fixtures.ts';
import { isolationContract } from './isolation.contract.ts';
import { oplogStoreContract } from './oplog-store.contract.ts';
import { sharedWritersContract } from './shared-writers.contract.ts';
import { queryContract } from './query.contract.ts';
import { snapshotStoreContract } from './snapshot-store.contract.ts';
import type { SuiteContext } from './suite-context.ts';

export type { ContractInstance, ContractOptions, ContractSetup } from './fixtures.ts';
export { byDataset, documentsFor, makeChain, plain, reopenable } from './fixtures.ts';

/**
 * The acceptance suite for storage adapters. Call it from a vitest file:
 *
 *   runStorageContractTests(async ({ hooks, maxPayloadBytes }) => ({ adapter: myStorage({ hooks, maxPayloadBytes }) }), 'my adapter');
 *
 * `hooks.beforeCommit` must be called inside every write transaction, after its writes; the suite
 * throws from it to prove rollback. Durable adapters pass `{ durable: true }` and provide `reopen`;
 * adapters several processes write at once pass `{ sharedWriters: true }` and provide `openAnother`.
 * An adapter that does not store instance datasets (`user/u123`) yet passes `{ instances: false }`,
 * and must refuse them with invalid_dataset_id.
 */
export function runStorageContractTests(setup: ContractSetup, title: string, options: { durable?: boolean; sharedWriters?: boolean; instances?: boolean } = {}): void {
  describe(`storage contract: ${title}`, () => {
    let current: ContractInstance | undefined;
    const extra: ContractInstance[] = [];
    let failNext = false;
    const hooks = {
      beforeCommit(operation: string) {
        if (failNext) {
          failNext = false;
          throw new Error(`injected failure before commit of ${operation}`);
        }
      },
    };

    beforeEach(async () => {
      failNext = false;
      current = await setup({ hooks });
    });

    afterEach(async () => {
      for (const instance of [current, ...extra.splice(0)]) {
        if (!instance) continue;
        await instance.adapter.close().catch(() => undefined);
        await instance.destroy?.();
      }
      current = undefined;
    });

    const ctx: SuiteContext = {
      adapter: (): StorageAdapter => current!.adapter,
      instance: () => current!,
      failNextCommit: () => {
        failNext = true;
      },
      withLimit: async (maxPayloadBytes) => {
        const instance = await setup({ hooks, maxPayloadBytes });
        extra.push(instance);
        return instance.adapter;
      },
      instances: options.instances ?? true,
    };

    describe('DocumentStore', () => documentStoreContract(ctx));
    describe('queries', () => queryContract(ctx));
    describe('OplogStore', () => oplogStoreContract(ctx));
    describe('ConfirmationStore', () => confirmationStoreContract(ctx));
    describe('CheckpointStore', () => checkpointStoreContract(ctx));
    describe('SnapshotStore', () => snapshotStoreContract(ctx));
    describe('dataset isolation', () => isolationContract(ctx));
    describe('bad input', () => badInputContract(ctx));
    // In-memory adapters have nothing to reopen; durable ones must pass this group.
    if (options.durable) describe('durability', () => durabilityContract(ctx));
    // Storage that several processes write at once (hubs over one database) must pass this group too.
    if (options.sharedWriters) describe('shared writers', () => sharedWritersContract(ctx));
  });
}
