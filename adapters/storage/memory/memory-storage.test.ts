import { memoryStorage } from './index.ts';
import { runStorageContractTests } from '../../../src/store/contract/index.ts';

runStorageContractTests(async ({ hooks, maxPayloadBytes }) => ({ adapter: memoryStorage({ hooks, maxPayloadBytes }) }), 'memory');
