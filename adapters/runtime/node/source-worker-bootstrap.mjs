// Development only: Node's worker_threads cannot load TypeScript, so tsx registers its loader first.
// The published package runs the compiled pipeline-worker.js and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./pipeline-worker.ts');
