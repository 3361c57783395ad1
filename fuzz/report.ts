import type { CaseOutcome, FuzzCase, Outgoing } from './case-plan.ts';
import type { HubExit, HubInfo, HubKind } from './hub-under-test.ts';
import type { HonestRoundResult } from './honest-clients.ts';
import { hexPreview, indexOfBytes, utf8 } from './wire.ts';

/*
 * The run's output: one JSON object per line (start, one per batch, one per violation, summary).
 * A violation names the case and the frame behind it with the frame's bytes in hex, so an engineer
 * can replay exactly what broke the hub without rerunning the fuzzer.
 */

export interface FrameReport {
  readonly i: number;
  readonly note: string;
  readonly text?: true;
  readonly length: number;
  /** Hex of the first bytes (1 KiB at most). */
  readonly hex: string;
  /** Where the violating value was found in this frame, when it was traced to it. */
  readonly matchAt?: number;
}

export interface CaseReport {
  readonly index: number;
  readonly batch: number;
  readonly kind: string;
  readonly family: string;
  readonly datasetId: string;
  readonly auth: string;
  readonly declaredId: string;
  readonly detail: string;
  readonly endedBy?: string;
  readonly closeCode?: number;
  readonly closeReason?: string;
  readonly hubErrors?: readonly string[];
  readonly hubRequests?: readonly string[];
  readonly frames?: readonly FrameReport[];
}

export type ViolationCheck = 'hub_exit' | 'state' | 'honest_sync' | 'honest_dropped' | 'upgrade_refusal' | 'check_error';

export interface ViolationLine {
  readonly type: 'violation';
  readonly check: ViolationCheck;
  readonly batch: number;
  readonly message: string;
  /** State violations: the table and dataset, how many rows one case caused, and the first few. */
  readonly table?: string;
  readonly datasetId?: string;
  readonly category?: string;
  readonly count?: number;
  readonly rows?: readonly Readonly<Record<string, unknown>>[];
  /** The case that caused it: traced by the violating value's bytes, or the case after which it was seen. */
  readonly causedBy?: CaseReport;
  readonly tracedBy?: 'bytes-in-frame' | 'first-seen-after-case' | 'seen-at-batch-check';
  /** The cases just before, in short form. */
  readonly recentCases?: readonly CaseReport[];
  readonly exit?: HubExit;
  readonly honest?: HonestRoundResult;
}

export interface KindCounts {
  cases: number;
  frames: number;
}

export interface FuzzSummary {
  readonly type: 'summary';
  readonly ok: boolean;
  readonly hub: HubKind;
  readonly seed: string;
  readonly frameTarget: number;
  readonly framesSent: number;
  readonly cases: number;
  readonly batches: number;
  readonly hubExits: number;
  /** Distinct rows (or files) in the hub's storage that no accepted honest write explains. */
  readonly stateChanges: number;
  readonly honestSyncs: { readonly ok: number; readonly failed: number };
  /** Honest connections the hub closed, other than in a crash already counted in hubExits. */
  readonly honestDrops: number;
  /** Upgrades with a missing or wrong token in the URL, and for datasets not served (edge hub only). */
  readonly upgradeRefusals: { readonly tried: number; readonly failed: number };
  /** Cases whose probe got no answer within the case timeout (the hub left the socket hanging). */
  readonly stalls: number;
  readonly checkErrors: number;
  readonly stoppedBy: 'frames' | 'time' | 'fatal';
  readonly fatal?: string;
  readonly elapsedMs: number;
  /** Cases and frames per mutation / hostile-message kind. */
  readonly mutations: Readonly<Record<string, KindCounts>>;
  readonly authModes: Readonly<Record<string, number>>;
  /** Violations grouped by check and what failed, with the case kinds that caused them. */
  readonly failures: readonly { readonly check: ViolationCheck; readonly what: string; readonly count: number; readonly causedByKinds: Readonly<Record<string, number>> }[];
  readonly dataDir?: string;
}

export type FuzzLine =
  | {
      readonly type: 'start';
      readonly seed: string;
      readonly frameTarget: number;
      readonly batchSize: number;
      readonly maxSeconds: number;
      readonly hub: HubInfo;
      readonly dataDir: string;
      readonly honestNodes: readonly string[];
      readonly corpus: Readonly<Record<string, number>>;
    }
  | {
      readonly type: 'batch';
      readonly batch: number;
      readonly framesSent: number;
      readonly cases: number;
      readonly elapsedMs: number;
      readonly hubAlive: boolean;
      readonly hubExits: number;
      readonly honestSync: HonestRoundResult;
      readonly newStateChanges: number;
      readonly stateChanges: number;
      readonly stalls: number;
    }
  | { readonly type: 'stall'; readonly batch: number; readonly case: CaseReport }
  | { readonly type: 'hub_restarted'; readonly batch: number; readonly url: string; readonly pid: number | undefined }
  | ViolationLine
  | FuzzSummary;

/** A case as the report shows it; with frames (hex) when `full`, and the matching frame marked. */
export function caseReport(c: FuzzCase, outcome: CaseOutcome | undefined, full: boolean, match?: { frame: number; at: number }): CaseReport {
  const frames = outcome?.sent ?? (c.plan.type === 'socket' ? c.plan.frames : c.plan.chunks);
  return {
    index: c.index,
    batch: c.batch,
    kind: c.kind,
    family: c.family,
    datasetId: c.datasetId,
    auth: c.auth,
    declaredId: c.declaredId,
    detail: c.detail,
    ...(outcome ? { endedBy: outcome.endedBy } : {}),
    ...(outcome?.closeCode !== undefined ? { closeCode: outcome.closeCode, closeReason: outcome.closeReason ?? '' } : {}),
    ...(outcome && outcome.errors.length > 0 ? { hubErrors: outcome.errors.slice(0, 20) } : {}),
    ...(outcome && outcome.hubRequests.length > 0 ? { hubRequests: outcome.hubRequests } : {}),
    ...(full ? { frames: frames.slice(0, 40).map((f, i) => frameReport(f, i, match?.frame === i ? match.at : undefined)) } : {}),
  };
}

function frameReport(f: Outgoing, i: number, matchAt?: number): FrameReport {
  const bytes = asBytes(f);
  return { i, note: f.note, ...(typeof f.data === 'string' ? { text: true as const } : {}), length: bytes.length, hex: hexPreview(bytes, 1024), ...(matchAt === undefined ? {} : { matchAt }) };
}

export function asBytes(f: Outgoing): Uint8Array {
  return typeof f.data === 'string' ? utf8(f.data) : f.data;
}

/**
 * The frame that carried a violating value: needles are tried in order (most specific first), each
 * across the recent cases from the newest back.
 */
export function traceNeedles<T extends { readonly sent: readonly Outgoing[] }>(recent: readonly T[], needles: readonly Uint8Array[]): { item: T; frame: number; at: number } | undefined {
  for (const needle of needles) {
    for (let r = recent.length - 1; r >= 0; r--) {
      const item = recent[r]!;
      for (let i = 0; i < item.sent.length; i++) {
        const at = indexOfBytes(asBytes(item.sent[i]!), needle);
        if (at >= 0) return { item, frame: i, at };
      }
    }
  }
  return undefined;
}
