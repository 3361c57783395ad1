import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { DatasetId } from '../core/dataset-id.ts';
import type { CheckpointStore } from '../store/checkpoint-store.ts';
import type { NodeBroadcast } from '../store/storage-adapter.ts';

/** Every dataset of a principal. */
export const ALL_DATASETS = '*';
type Scope = DatasetId | typeof ALL_DATASETS;

/** One revocation: tokens of `principal` issued at or before `at` (epoch s) no longer grant `datasetId`. */
export interface Revocation {
  readonly principal: string;
  readonly datasetId: Scope;
  readonly at: number;
}

/** Checkpoint names of revocations start with this; the rest is a digest of principal and scope. */
const PREFIX = 'sluice:revoked:';
/** The broadcast topic revocations are announced on. */
const TOPIC = 'revocation';
const encoder = new TextEncoder();

/**
 * The grants a hub took back, by principal (a JWT's sub). Kept in memory for the handshake's
 * check, and written through to durable storage when the node has it: the checkpoints of its
 * `primary` dataset, where a node keeps its own state (its id), so a restarted hub still refuses
 * tokens issued before a revocation. One checkpoint per principal and scope (its name a digest:
 * principals and dataset ids may be long), so two hubs revoking at once never overwrite each other.
 *
 * Over storage other hubs write too (`shared`), a handshake reads the principal's records first:
 * a revocation made on any hub of the cluster refuses new connections on every hub. Where that
 * storage carries broadcasts, each revocation is also announced, and the other hubs close their own
 * open connections of the principal (`onRemote`).
 */
export class Revocations {
  private readonly byPrincipal = new Map<string, Map<Scope, number>>();
  private loaded: Promise<void> | undefined;
  private listening: Promise<(() => Promise<void>) | undefined> | undefined;
  /** Told of each revocation another hub announced, once read back from storage. */
  onRemote: ((revocation: Revocation) => void) | undefined;

  constructor(
    private readonly store: CheckpointStore | undefined,
    private readonly shared: boolean,
    private readonly broadcast?: NodeBroadcast,
  ) {}

  /**
   * Reads every stored revocation, once: on the first handshake or revocation, so a node that
   * never accepts a peer never opens the storage for it. A failed read is tried again next time.
   */
  private load(): Promise<void> {
    this.loaded ??= (async () => {
      // Listening first: a revocation announced while the stored ones are read is not missed.
      await this.listen();
      for (const { name, value } of (await this.store?.list()) ?? []) {
        if (name.startsWith(PREFIX)) this.remember(parseRevocation(value));
      }
    })().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  /**
   * Subscribes to other hubs' announcements, once. Best effort: without it, handshakes still read
   * what other hubs stored. An announcement is only a hint: anyone who can reach the database may
   * NOTIFY, so the record is read back from storage (which takes write privileges to change) and
   * only what is stored there counts.
   */
  private listen(): Promise<unknown> {
    if (!this.broadcast || !this.store) return Promise.resolve();
    const store = this.store;
    this.listening ??= this.broadcast
      .subscribe(TOPIC, (message) => {
        const hinted = parseRevocation(message);
        if (!hinted) return;
        void store.get(checkpointName(hinted.principal, hinted.datasetId)).then((value) => {
          const stored = parseRevocation(value);
          if (!stored || stored.principal !== hinted.principal || stored.datasetId !== hinted.datasetId) return;
          this.remember(stored);
          this.onRemote?.(stored);
        }, () => undefined);
      })
      .catch(() => {
        this.listening = undefined;
        return undefined;
      });
    return this.listening;
  }

  /** Stops hearing other hubs (the node is closing). */
  async close(): Promise<void> {
    const stop = await this.listening;
    this.listening = undefined;
    await stop?.().catch(() => undefined);
  }

  /** Records a revocation, durably: once this resolves it survives a restart. */
  async revoke(revocation: Revocation): Promise<void> {
    this.remember(revocation);
    await this.load();
    await this.store?.set(checkpointName(revocation.principal, revocation.datasetId), { ...revocation });
    // Stored already: another hub that misses the announcement still refuses at the next handshake.
    await this.broadcast?.publish(TOPIC, { ...revocation }).catch(() => undefined);
  }

  /** Notes a revocation (made here, or by another hub and read back from shared storage). */
  remember(revocation: Revocation | undefined): void {
    if (!revocation) return;
    const scopes = this.byPrincipal.get(revocation.principal) ?? new Map<Scope, number>();
    scopes.set(revocation.datasetId, Math.max(revocation.at, scopes.get(revocation.datasetId) ?? -1));
    this.byPrincipal.set(revocation.principal, scopes);
  }

  /**
   * Before a handshake's check: the stored revocations, and over shared storage what other hubs
   * recorded for this principal and these datasets, read now.
   */
  async refresh(principal: string, datasets: readonly DatasetId[]): Promise<void> {
    await this.load();
    if (!this.store || !this.shared) return;
    const scopes: Scope[] = [ALL_DATASETS, ...datasets];
    const found = await Promise.all(scopes.map((scope) => this.store!.get(checkpointName(principal, scope))));
    for (const value of found) this.remember(parseRevocation(value));
  }

  /** Whether a token of `principal` issued at `issuedAt` (epoch s) no longer grants `datasetId`. */
  revokes(principal: string, datasetId: DatasetId, issuedAt: number): boolean {
    const scopes = this.byPrincipal.get(principal);
    if (scopes === undefined) return false;
    // A token issued in the very second of the revocation is taken as older: nothing revoked slips through.
    return (scopes.get(datasetId) ?? -1) >= issuedAt || (scopes.get(ALL_DATASETS) ?? -1) >= issuedAt;
  }
}

function checkpointName(principal: string, scope: Scope): string {
  return PREFIX + bytesToHex(sha256(encoder.encode(`${principal}\n${scope}`)));
}

/** How far in the future a revocation may be dated (clock skew between hubs), in seconds. */
const MAX_FUTURE_SEC = 300;

/**
 * A stored record or an announcement, checked: neither is trusted to hold what this code wrote. A
 * date far in the future would refuse every token issued until then, fresh ones included: it is
 * brought back to now plus the skew allowed.
 */
function parseRevocation(value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { principal, datasetId, at } = value as Record<string, unknown>;
  if (typeof principal !== 'string' || typeof datasetId !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  if (principal.length > MAX_PRINCIPAL_CHARS || datasetId.length > MAX_SCOPE_CHARS) return undefined;
  return { principal, datasetId, at: Math.min(at, Math.floor(Date.now() / 1000) + MAX_FUTURE_SEC) };
}

/** Bounds on what a record may name: a JWT's sub is not bounded by the standard, this is. */
const MAX_PRINCIPAL_CHARS = 1_024;
const MAX_SCOPE_CHARS = 1_024;
