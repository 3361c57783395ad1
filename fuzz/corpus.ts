import type { DatasetId } from '../src/core/dataset-id.ts';
import type { MessageKind } from '../src/protocol/messages.ts';

/*
 * The frames an honest session put on the wire, kept as the raw bytes that crossed the socket. They
 * are the seeds of the mutations: every mutated frame starts as something a real peer would send,
 * so the fuzzer reaches past the framing and the handshake into the hub's decoding and apply paths.
 */

export interface CapturedFrame {
  /** The dataset of the connection the frame crossed (each connection carries one dataset). */
  readonly datasetId: DatasetId;
  /** The honest node that owned the connection. */
  readonly nodeId: string;
  /** out: the honest client sent it to the hub; in: the hub sent it to the client. */
  readonly direction: 'out' | 'in';
  readonly kind: MessageKind | 'undecodable';
  readonly requestId: number;
  readonly bytes: Uint8Array;
}

export interface Corpus {
  readonly frames: readonly CapturedFrame[];
  /** The first handshake each honest node sent per dataset: replayed to open authenticated sockets. */
  readonly handshakes: readonly CapturedFrame[];
}

/** Counts per dataset, direction and kind, for the run's start line. */
export function describeCorpus(corpus: Corpus): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of corpus.frames) {
    const key = `${f.datasetId}/${f.direction}/${f.kind}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
