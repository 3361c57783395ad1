import type { Hlc } from '../core/hlc.ts';

export interface PeerRecord {
  readonly peerId: string;
  readonly address: string | null;
  /** Inactive peers stay tracked but no longer hold back pruning. */
  readonly active: boolean;
  readonly registeredAt: number;
}

/** How far `peerId` has confirmed the entries authored by `authorId`. */
export interface Confirmation {
  readonly peerId: string;
  readonly authorId: string;
  readonly hlc: Hlc;
  readonly hash: string;
  readonly confirmedAt: number;
}

export interface ConfirmationStore {
  /** Idempotent: registering a known peer keeps its watermarks (and updates the address if given). */
  registerPeer(peerId: string, options?: { address?: string }): Promise<void>;
  listPeers(): Promise<PeerRecord[]>;
  setPeerActive(peerId: string, active: boolean): Promise<void>;
  /** Stops tracking the peer and drops its watermarks. */
  removePeer(peerId: string): Promise<boolean>;
  /** Advances the watermark; an older confirmation never moves it back. Returns whether it moved. */
  confirm(peerId: string, authorId: string, hlc: Hlc, hash: string): Promise<boolean>;
  confirmations(peerId?: string): Promise<Confirmation[]>;
}
