import { SluiceError } from '../core/errors.ts';
import { entryByteSize, type OplogEntry } from '../core/oplog-entry.ts';
import { trimToBytes } from '../store/validation.ts';
import { sealOutgoing, type ChainSigner } from './signatures.ts';

export interface SealedBatch {
  readonly entries: OplogEntry[];
  /** Entries may wait after the last one sent. */
  readonly hasMore: boolean;
}

/** Reads up to `limit` stored entries, ascending, after `after` (from the request's start when undefined). */
export type PageReader = (after: OplogEntry | undefined, limit: number) => Promise<OplogEntry[]>;

/**
 * Reads one outgoing batch within `limit` and `maxBytes`, cut after a signed entry so the receiver
 * can verify it (see signatures.ts). When no signed entry lies within those bounds (the peer asks
 * for smaller batches than the ones the chain was signed in), it reads on, page by page, up to the
 * next one, as far as `frameBytes` allows.
 */
export async function readSealed(read: PageReader, bounds: { readonly limit: number; readonly maxBytes: number; readonly frameBytes: number }, signer: ChainSigner | undefined): Promise<SealedBatch> {
  // One extra entry tells whether more are waiting.
  const fetched = await read(undefined, bounds.limit + 1);
  const within = trimToBytes(fetched.slice(0, bounds.limit), bounds.maxBytes);
  const sealed = await sealOutgoing(within, signer);
  if (sealed.length > 0 || within.length === 0) return { entries: sealed, hasMore: fetched.length > sealed.length };

  const stretched = [...within];
  let bytes = stretched.reduce((sum, e) => sum + entryByteSize(e), 0);
  for (;;) {
    const page = await read(stretched.at(-1), bounds.limit);
    if (page.length === 0) break;
    for (const e of page) {
      bytes += entryByteSize(e);
      if (bytes > bounds.frameBytes) return refuse(within[0]!);
      stretched.push(e);
      // Every entry of the first author's run is open until one is signed: check as each arrives.
      if (e.signature !== undefined) {
        const resealed = await sealOutgoing(stretched, signer);
        if (resealed.length > 0) return { entries: resealed, hasMore: true };
      }
    }
  }
  return refuse(within[0]!);
}

function refuse(first: OplogEntry): never {
  throw new SluiceError(
    'bad_signature',
    `No signed entry of "${first.hlc.nodeId}" follows ${first.hash.slice(0, 12)}… within one frame: its chain was stored unsigned (before signing, or with signing off), and a node with signing on cannot send it. Turn signing off on every node that serves or reads this chain.`,
    { author: first.hlc.nodeId, hash: first.hash },
  );
}
