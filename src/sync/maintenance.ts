import { assertDatasetId, type DatasetId } from '../core/dataset-id.ts';
import type { DatasetKind, DatasetOptions, RetentionOptions } from '../core/dataset-options.ts';
import { SluiceError } from '../core/errors.ts';
import { compareHlc, compareStamp, formatHlc, maxHlc, ZERO_HLC, type Hlc } from '../core/hlc.ts';
import type { AuthorHead, PruneBoundary } from '../store/oplog-store.ts';
import { readConfirmationCoverage, type ConfirmationCoverage, type MaintenanceStorage } from './confirmation-coverage.ts';
import { CUTOFF_NODE_ID, endOfWall, justBefore, MAX_LOGIC, minHlc } from './hlc-bounds.ts';
import { oplogBytesAfter, sizeCutoff } from './oplog-size.ts';

/*
 * Pruning rules (one dataset at a time; nothing here names another dataset):
 *
 * 1. Retention cutoff: everything at or before wall `now - maxAgeMs`.
 * 2. Confirmation cutoff, over ACTIVE tracked peers only (inactive or removed peers never gate):
 *    - a peer must have confirmed every author that still has entries, except itself;
 *    - if any such (peer, author) watermark is missing, the cycle is skipped (cutoff null);
 *    - otherwise, per author, W = the lowest watermark among the peers and u = the author's first
 *      entry after W (the oldest entry some active peer may still lack). The cutoff is the minimum
 *      over authors of `justBefore(u)`; when no author has such an entry, everything held is
 *      confirmed and the cutoff is the newest head.
 *    `prune` takes one global cutoff, so the per-author limits are folded into their minimum: exact
 *    for the binding author, conservative for the others (their confirmed entries after that point
 *    wait for a later cycle). Unlike "lowest watermark wall - 1", an author whose every entry is
 *    confirmed never holds anything back, so a dormant author cannot freeze pruning.
 * 3. Effective cutoff: min(retention, confirmation); retention alone with no active tracked peers.
 * 4. Size cap (`retention.maxBytes`, measured with entryByteSize, see oplog-size.ts): if what the
 *    cutoff above leaves is over the cap, prune further oldest-first until it fits, but
 *    - documents datasets never pass the confirmation cutoff (nor prune at all in a skipped cycle):
 *      business data a peer has not confirmed is never dropped, the cap is then reported as missed;
 *    - append datasets (logs, telemetry) may pass it, even in a skipped cycle: bounding the disk wins,
 *      and a peer that has fallen behind the dropped range catches up with a snapshot.
 */

export interface ComputePruneCutoffInput {
  readonly datasetId: DatasetId;
  readonly storage: MaintenanceStorage;
  readonly retention: RetentionOptions;
  /** Only 'append' lets the size cap pass what peers confirmed. Default 'documents'. */
  readonly kind?: DatasetKind;
  /** Wall-clock ms. Default Date.now(). */
  readonly now?: number;
}

export interface MissingConfirmation {
  readonly peerId: string;
  readonly authorId: string;
}

export interface SizeRetention {
  readonly maxBytes: number;
  /** Estimated bytes of what the age/confirmation cutoff leaves. */
  readonly bytesBefore: number;
  /** Estimated bytes left after the effective cutoff. */
  readonly bytesAfter: number;
  /** The cutoff the cap alone asks for; null when the oplog already fits. */
  readonly wantedCutoff: Hlc | null;
  /** A documents dataset stopped short of the cap at what its active peers confirmed. */
  readonly heldByConfirmations: boolean;
}

export interface PruneCutoff {
  /** Prune entries at or before this; null: prune nothing this cycle. */
  readonly cutoff: Hlc | null;
  readonly reason: string;
  readonly retentionCutoff: Hlc;
  /** Null when no active tracked peer gates pruning, when one lacks a watermark, or when there is nothing to confirm. */
  readonly confirmationCutoff: Hlc | null;
  /** Non-empty: a required watermark is missing, so the age/confirmation prune was skipped. */
  readonly missingConfirmations: readonly MissingConfirmation[];
  /** Null when the dataset has no size cap. */
  readonly size: SizeRetention | null;
}

export interface MaintenanceReport extends PruneCutoff {
  readonly datasetId: DatasetId;
  readonly pruned: number;
  /** Boundaries this run wrote (one per author that lost entries). */
  readonly boundaries: readonly PruneBoundary[];
}

export interface RunMaintenanceInput {
  readonly datasetId: DatasetId;
  readonly options: Pick<DatasetOptions, 'kind' | 'retention'>;
  readonly storage: MaintenanceStorage;
  readonly now?: number;
}

export async function computePruneCutoff(input: ComputePruneCutoffInput): Promise<PruneCutoff> {
  return (await planPrune(input)).plan;
}

/** How often a cutoff is recomputed when entries it would cover arrive while it is computed. */
const PLAN_ATTEMPTS = 3;

/** Computes the cutoff for `datasetId` and prunes up to it. Only that dataset is read or written. */
export async function runMaintenance(input: RunMaintenanceInput): Promise<MaintenanceReport> {
  const { datasetId, storage, options } = input;
  const now = input.now ?? Date.now();
  let last: PruneCutoff | null = null;
  for (let attempt = 0; attempt < PLAN_ATTEMPTS; attempt++) {
    const { plan, heads } = await planPrune({ datasetId, storage, retention: options.retention, kind: options.kind, now });
    if (plan.cutoff === null) return { ...plan, datasetId, pruned: 0, boundaries: [] };
    // A late arrival (an offline node's old entries) landing under the cutoff while it was computed
    // has been confirmed by nobody. `prune` takes no guard, so look again right before calling it.
    if (!arrivedUpTo(heads, await storage.oplog.heads(), plan.cutoff)) {
      const result = await storage.oplog.prune(plan.cutoff);
      return { ...plan, datasetId, pruned: result.removed, boundaries: result.boundaries };
    }
    last = plan;
  }
  return {
    ...last!,
    cutoff: null,
    reason: `skipped: entries at or before the cutoff kept arriving while it was computed (${PLAN_ATTEMPTS} attempts); the next cycle tries again`,
    datasetId,
    pruned: 0,
    boundaries: [],
  };
}

/** True when entries at or before `cutoff` may have arrived between the two head readings. */
function arrivedUpTo(before: readonly AuthorHead[], after: readonly AuthorHead[], cutoff: Hlc): boolean {
  const old = new Map(before.map((h) => [h.nodeId, h]));
  for (const head of after) {
    const was = old.get(head.nodeId);
    // A new author's entries may be arbitrarily old; a known author's new entries follow its old head.
    if (was === undefined) return true;
    if (compareHlc(head.hlc, was.hlc) !== 0 && compareHlc(was.hlc, cutoff) < 0) return true;
  }
  return false;
}

type Gate =
  | { readonly kind: 'untracked' }
  | { readonly kind: 'missing'; readonly missing: readonly MissingConfirmation[] }
  | { readonly kind: 'complete'; readonly cutoff: Hlc | null; readonly binding: Binding | null };

/** The author whose first unconfirmed entry sets the confirmation cutoff, and who holds it there. */
interface Binding {
  readonly authorId: string;
  readonly peerIds: readonly string[];
  readonly watermark: Hlc;
}

async function planPrune(input: ComputePruneCutoffInput): Promise<{ plan: PruneCutoff; heads: readonly AuthorHead[] }> {
  assertDatasetId(input.datasetId);
  const { storage, retention } = input;
  const kind = input.kind ?? 'documents';
  const now = input.now ?? Date.now();
  assertRetention(retention, now);

  const retentionCutoff = endOfWall(now - retention.maxAgeMs);
  const coverage = await readConfirmationCoverage(storage);
  const gate = await confirmationGate(storage, coverage);

  let cutoff: Hlc | null;
  let reason: string;
  let confirmationCutoff: Hlc | null = null;
  if (gate.kind === 'untracked') {
    cutoff = retentionCutoff;
    reason = `retention only (no active tracked peers): entries at or before ${describeCutoff(retentionCutoff)}`;
  } else if (gate.kind === 'missing') {
    cutoff = null;
    const first = gate.missing[0]!;
    const more = gate.missing.length > 1 ? ` (and ${gate.missing.length - 1} more peer/author pairs)` : '';
    reason = `skipped: active peer "${first.peerId}" has no confirmation for author "${first.authorId}"${more}; remove or deactivate the peer if it is gone for good`;
  } else if (gate.cutoff === null) {
    cutoff = retentionCutoff;
    reason = `retention only (active tracked peers have nothing to confirm): entries at or before ${describeCutoff(retentionCutoff)}`;
  } else {
    confirmationCutoff = gate.cutoff;
    cutoff = minHlc(retentionCutoff, gate.cutoff);
    if (compareHlc(retentionCutoff, gate.cutoff) <= 0) {
      reason = `min(retention, confirmation): retention binds at ${describeCutoff(retentionCutoff)}`;
    } else if (gate.binding === null) {
      reason = `min(retention, confirmation): confirmation binds at ${describeCutoff(gate.cutoff)}, the newest entry, confirmed by every active peer`;
    } else {
      const b = gate.binding;
      const who = `${b.peerIds.length > 1 ? 'peers' : 'peer'} ${b.peerIds.map((p) => `"${p}"`).join(', ')}`;
      reason = `min(retention, confirmation): confirmation binds at ${describeCutoff(gate.cutoff)}: ${who} confirmed author "${b.authorId}" only up to ${formatHlc(b.watermark)}`;
    }
  }

  let size: SizeRetention | null = null;
  if (retention.maxBytes !== undefined) {
    const sized = await applySizeCap(storage, kind, retention.maxBytes, cutoff, gate);
    size = sized.size;
    cutoff = sized.cutoff;
    reason += `; ${sized.reason}`;
  }

  const missingConfirmations = gate.kind === 'missing' ? gate.missing : [];
  return { plan: { cutoff, reason, retentionCutoff, confirmationCutoff, missingConfirmations, size }, heads: coverage.heads };
}

async function confirmationGate(storage: MaintenanceStorage, coverage: ConfirmationCoverage): Promise<Gate> {
  if (coverage.activePeers.length === 0) return { kind: 'untracked' };
  const missing = coverage.required.filter((r) => r.watermark === undefined).map((r) => ({ peerId: r.peerId, authorId: r.authorId }));
  if (missing.length > 0) return { kind: 'missing', missing };

  let cutoff: Hlc | null = null;
  let binding: Binding | null = null;
  for (const author of coverage.authorsWithEntries) {
    const pairs = coverage.required.filter((r) => r.authorId === author.nodeId);
    if (pairs.length === 0) continue; // the only active peer is the author itself
    let lowest = pairs[0]!.watermark!.hlc;
    for (const p of pairs) lowest = minHlc(lowest, p.watermark!.hlc);
    const [next] = await storage.oplog.entriesByAuthorAfter(author.nodeId, lowest, { limit: 1 });
    if (next === undefined) continue; // every active peer has all of this author's entries
    const bound = justBefore(next.hlc);
    if (cutoff === null || compareHlc(bound, cutoff) < 0) {
      cutoff = bound;
      const holders = pairs.filter((p) => compareStamp(p.watermark!.hlc, lowest) === 0).map((p) => p.peerId);
      binding = { authorId: author.nodeId, peerIds: holders, watermark: lowest };
    }
  }
  if (cutoff !== null) return { kind: 'complete', cutoff, binding };
  // Everything held is confirmed: the newest entry bounds what a prune could remove anyway.
  let newest: Hlc | null = null;
  for (const head of coverage.authorsWithEntries) newest = newest === null ? head.hlc : maxHlc(newest, head.hlc);
  return { kind: 'complete', cutoff: newest, binding: null };
}

async function applySizeCap(
  storage: MaintenanceStorage,
  kind: DatasetKind,
  maxBytes: number,
  base: Hlc | null,
  gate: Gate,
): Promise<{ cutoff: Hlc | null; size: SizeRetention; reason: string }> {
  // How far the cap may go: anywhere for append data; for documents, only as far as peers confirmed.
  let limit: Hlc | null = null;
  if (kind !== 'append') {
    if (gate.kind === 'missing') limit = ZERO_HLC;
    else if (gate.kind === 'complete') limit = gate.cutoff;
  }
  // In a skipped cycle the whole oplog counts; otherwise what the base cutoff leaves.
  const { bytes } = await oplogBytesAfter(storage.oplog, base);
  if (bytes <= maxBytes) {
    return {
      cutoff: base,
      size: { maxBytes, bytesBefore: bytes, bytesAfter: bytes, wantedCutoff: null, heldByConfirmations: false },
      reason: `size: ~${bytes} B within the ${maxBytes} B cap`,
    };
  }
  const cut = await sizeCutoff(storage.oplog, base, bytes - maxBytes, limit);
  const cutoff = cut.allowed ?? base;
  const bytesAfter = bytes - cut.allowedBytes;
  const held = bytesAfter > maxBytes;
  const size: SizeRetention = { maxBytes, bytesBefore: bytes, bytesAfter, wantedCutoff: cut.wanted, heldByConfirmations: held };
  if (held) {
    return {
      cutoff,
      size,
      reason: `size: ~${bytes} B over the ${maxBytes} B cap, but a ${kind} dataset never prunes entries its active peers have not confirmed: ~${bytesAfter} B remain`,
    };
  }
  const passed =
    gate.kind === 'missing' || (gate.kind === 'complete' && gate.cutoff !== null && compareHlc(cut.allowed!, gate.cutoff) > 0)
      ? ' (append dataset: the cap overrides peer confirmations)'
      : '';
  return {
    cutoff,
    size,
    reason: `size: ~${bytes} B over the ${maxBytes} B cap, pruning oldest entries through ${formatHlc(cut.allowed!)} leaves ~${bytesAfter} B${passed}`,
  };
}

/** Cutoffs made by endOfWall read as a wall; others as the exact HLC. */
function describeCutoff(t: Hlc): string {
  return t.logic === MAX_LOGIC && t.nodeId === CUTOFF_NODE_ID ? `wall ${t.wall}` : formatHlc(t);
}

function assertRetention(retention: RetentionOptions, now: number): void {
  if (!Number.isFinite(now)) throw new SluiceError('invalid_options', `now must be a finite number of ms since the epoch, got ${String(now)}.`);
  if (typeof retention !== 'object' || retention === null || !(retention.maxAgeMs >= 0) || !Number.isFinite(retention.maxAgeMs)) {
    throw new SluiceError('invalid_options', 'retention.maxAgeMs must be a non-negative number of milliseconds.');
  }
  if (retention.maxBytes !== undefined && !(retention.maxBytes > 0 && Number.isFinite(retention.maxBytes))) {
    throw new SluiceError('invalid_options', 'retention.maxBytes must be a positive number of bytes (or left out).');
  }
}

// Peer tracking. These are the ConfirmationStore methods under the names operators look for; a
// peer is tracked per dataset, so each call names exactly one dataset.

/** Starts (or keeps) tracking a peer: from now on it gates pruning until it has confirmed. Idempotent. */
export async function registerPeer(storage: MaintenanceStorage, peerId: string, options: { address?: string } = {}): Promise<void> {
  await storage.confirmations.registerPeer(peerId, options);
}

/** Stops a peer gating pruning but keeps its watermarks, e.g. while it is out for maintenance. False for an unknown peer. */
export async function deactivatePeer(storage: MaintenanceStorage, peerId: string): Promise<boolean> {
  return setActive(storage, peerId, false);
}

/** Lets a deactivated peer gate pruning again with the watermarks it had. False for an unknown peer. */
export async function activatePeer(storage: MaintenanceStorage, peerId: string): Promise<boolean> {
  return setActive(storage, peerId, true);
}

/** Retires a peer: it stops gating pruning and its watermarks are dropped. Never done automatically. */
export async function removePeer(storage: MaintenanceStorage, peerId: string): Promise<boolean> {
  return storage.confirmations.removePeer(peerId);
}

async function setActive(storage: MaintenanceStorage, peerId: string, active: boolean): Promise<boolean> {
  const known = (await storage.confirmations.listPeers()).some((p) => p.peerId === peerId);
  if (known) await storage.confirmations.setPeerActive(peerId, active);
  return known;
}
