// Node's worker_threads cannot load TypeScript by themselves; tsx registers the loader first.
import { register } from 'tsx/esm/api';

register();
await import('./pipeline-worker.ts');
