import type { SyncNode } from '../../src/runtime/sync-node.ts';

/* What the latency benches share: waiting for a document to arrive, and percentiles of samples. */

export interface Latencies {
  readonly p50: number;
  readonly p95: number;
}

/** Resolves once `node` commits a change to `todos/<key>`, however it arrived. */
export function arrival(node: SyncNode, key: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = node.collection('todos').subscribe((changes) => {
      if (changes.some((c) => c.key === key)) {
        stop();
        resolve();
      }
    });
  });
}

export function percentiles(samples: readonly number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p95: sorted[Math.floor(sorted.length * 0.95)]! };
}
