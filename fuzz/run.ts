import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upgradeUrl } from '../adapters/transport/websocket/upgrade-params.ts';
import { sluice } from '../src/protocol/generated/sync.pb.js';
import type { CaseOutcome, FuzzCase, Outgoing } from './case-plan.ts';
import { captureSession } from './capture.ts';
import { describeCorpus } from './corpus.ts';
import { errorText, honestRound, startHonestClient, type HonestClient, type HonestRoundResult } from './honest-clients.ts';
import { HonestLedger } from './honest-ledger.ts';
import { DEFAULT_HUB_BIN, HubProcess } from './hub-process.ts';
import type { HubExit, HubKind, HubUnderTest } from './hub-under-test.ts';
import { runRawCase } from './raw-websocket.ts';
import { FrameRecorder, type HonestDrop } from './recording-connector.ts';
import { caseReport, traceNeedles, type FuzzLine, type FuzzSummary, type KindCounts, type ViolationCheck, type ViolationLine } from './report.ts';
import { Rng } from './rng.ts';
import { ALL_KINDS, CaseGenerator } from './scenarios.ts';
import { runSocketCase } from './socket-case.ts';
import { HubStateReader, type Violation } from './state-check.ts';

/*
 * The fuzz run: a real hub (a `sluice hub` process, or the edge hub in workerd; hub-under-test.ts),
 * two honest clients, a captured corpus, then batches of hostile cases. After every case a cheap
 * fingerprint of the hub's files is compared (a change triggers the full state check at once, so a
 * bad row is tied to the case that wrote it); after every batch the hub must be alive, an honest
 * write must travel from one honest client to the other through it, and its storage must hold
 * nothing but honest writes. Bounded by frame count and wall time: it always stops by itself.
 */

export interface FuzzOptions {
  /** Frames to send in all (default 10 000). */
  readonly frames?: number;
  /** Frames per batch: the hub, honest sync and state are checked after each (default 500). */
  readonly batchSize?: number;
  /** Everything the fuzzer chooses derives from it (default "sluice-fuzz"). */
  readonly seed?: string;
  /** Hard limit on the run's duration; the run stops early and says so (default 600). */
  readonly maxSeconds?: number;
  /** How long one case may wait for the hub (default 3000 ms); beyond that it counts as a stall. */
  readonly caseTimeoutMs?: number;
  /** Which hub: a `sluice hub` process (default), or the edge hub in workerd (edge-hub.ts). */
  readonly hub?: HubKind;
  /** The CLI to start the Node hub with (default: this repository's bin/sluice.mjs). */
  readonly hubBin?: string;
  /** Keep the temporary data directory (default: removed at the end). */
  readonly keepData?: boolean;
  /** Receives every output line as it happens. */
  readonly onLine?: (line: FuzzLine) => void;
}

const RECENT_CASES = 40;
const MAX_STALL_LINES = 20;
/** Honest connections that drop this soon after a hub crash the run reported are that crash's doing. */
const CRASH_DROP_WINDOW_MS = 3_000;

interface Done {
  readonly c: FuzzCase;
  readonly outcome: CaseOutcome;
  readonly sent: readonly Outgoing[];
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzSummary> {
  const frameTarget = options.frames ?? 10_000;
  const batchSize = options.batchSize ?? 500;
  const seed = options.seed ?? 'sluice-fuzz';
  const maxSeconds = options.maxSeconds ?? 600;
  const caseTimeoutMs = options.caseTimeoutMs ?? 3_000;
  const hubKind = options.hub ?? 'node';
  const bin = options.hubBin ?? DEFAULT_HUB_BIN;
  const emit = options.onLine ?? (() => undefined);
  const started = Date.now();
  const deadline = started + maxSeconds * 1000;
  const rng = new Rng(seed);
  const token = `fz-token-${rng.hex(12)}`;
  const runDir = mkdtempSync(join(tmpdir(), 'sluice-fuzz-'));
  const dataDir = join(runDir, 'data');
  mkdirSync(dataDir);

  const ledger = new HonestLedger();
  const recorder = new FrameRecorder();
  const mutations: Record<string, KindCounts> = Object.fromEntries(ALL_KINDS.map((k) => [k, { cases: 0, frames: 0 }]));
  const authModes: Record<string, number> = {};
  const failures = new Map<string, { check: ViolationCheck; what: string; count: number; causedByKinds: Record<string, number> }>();
  const reported = new Set<string>();
  const recent: Done[] = [];
  let framesSent = 0;
  let cases = 0;
  let batches = 0;
  let hubExits = 0;
  let stalls = 0;
  let checkErrors = 0;
  let honestOk = 0;
  let honestFailed = 0;
  let honestDrops = 0;
  let seenDrops = 0;
  const crashes: HubExit[] = [];
  const upgradeRefusals = { tried: 0, failed: 0 };
  let stoppedBy: FuzzSummary['stoppedBy'] = 'frames';
  let fatal: string | undefined;

  /** Reports a violation line and adds it (`count` rows or events) to the summary's groups. */
  const fail = (line: Omit<ViolationLine, 'type'>, what: string, count = 1) => {
    emit({ type: 'violation', ...line });
    const key = `${line.check}\u0000${what}`;
    const f = failures.get(key) ?? { check: line.check, what, count: 0, causedByKinds: {} };
    f.count += count;
    const kind = line.causedBy ? `${line.causedBy.kind} (${line.causedBy.auth}, ${line.causedBy.datasetId})` : '(none)';
    f.causedByKinds[kind] = (f.causedByKinds[kind] ?? 0) + count;
    failures.set(key, f);
  };

  let hub: HubUnderTest | undefined;
  let reader: HubStateReader | undefined;
  const honest: HonestClient[] = [];
  try {
    hub = await startHub(hubKind, { bin, dataDir, runDir, token });
    /** Upgrades a router must refuse before anything reaches its objects (the edge hub only). */
    const checkUpgrades = async (batch: number): Promise<void> => {
      if (!hub?.checkUpgradeRefusals) return;
      const result = await hub.checkUpgradeRefusals(token);
      upgradeRefusals.tried += result.tried;
      upgradeRefusals.failed += result.failures.length;
      for (const f of result.failures) fail({ check: 'upgrade_refusal', batch, message: f }, f.replace(/\(ws:.*\)$/, '').replace(/dataset \S+/, 'dataset …'));
    };
    // First, while no object exists: a refused upgrade must not create one.
    await checkUpgrades(0);
    for (const name of ['a', 'b']) honest.push(await startHonestClient({ name, nodeId: `fz-honest-${name}`, url: hub.url, token, ledger, recorder }));
    const [a, b] = honest as [HonestClient, HonestClient];
    const corpus = await captureSession(a, b, ledger, recorder);
    reader = new HubStateReader(hub.storage);
    const state = reader;
    emit({ type: 'start', seed, frameTarget, batchSize, maxSeconds, hub: hub.describe(), dataDir, honestNodes: honest.map((h) => h.nodeId), corpus: describeCorpus(corpus) });

    /**
     * Runs the full state check. Rows not seen before are traced to the frame that carried their
     * value (or to the case after which they appeared) and reported one line per case and kind of
     * problem, so a 2000-entry forged push is one line with a count, not 2000.
     */
    const checkState = (batch: number, after: Done | undefined): number => {
      let found: Violation[];
      try {
        found = state.check(ledger);
      } catch (error) {
        checkErrors++;
        fail({ check: 'check_error', batch, message: `could not read the hub's storage: ${errorText(error)}` }, 'unreadable storage');
        return 0;
      }
      const groups = new Map<string, { v: Violation[]; culprit: Done | undefined; traced: ReturnType<typeof traceNeedles<Done>> }>();
      for (const v of found) {
        if (reported.has(v.id)) continue;
        reported.add(v.id);
        const traced = traceNeedles(recent, v.needles);
        const culprit = traced?.item ?? after;
        const key = `${culprit?.c.index ?? -1}\u0000${v.table}\u0000${v.datasetId}\u0000${v.category}`;
        const g = groups.get(key) ?? { v: [], culprit, traced };
        g.v.push(v);
        groups.set(key, g);
      }
      let fresh = 0;
      for (const { v, culprit, traced } of groups.values()) {
        fresh += v.length;
        const first = v[0]!;
        fail(
          {
            check: 'state',
            batch,
            message: v.length === 1 ? first.problem : `${v.length} rows: ${first.problem} (and ${v.length - 1} more like it)`,
            table: first.table,
            datasetId: first.datasetId,
            category: first.category,
            count: v.length,
            rows: v.slice(0, 3).map((x) => x.row),
            ...(culprit ? { causedBy: caseReport(culprit.c, culprit.outcome, true, traced ? { frame: traced.frame, at: traced.at } : undefined) } : {}),
            tracedBy: traced ? 'bytes-in-frame' : after ? 'first-seen-after-case' : 'seen-at-batch-check',
            ...(traced ? {} : { recentCases: recent.slice(-5).map((d) => caseReport(d.c, d.outcome, false)) }),
          },
          `${first.table}: ${first.category}`,
          v.length,
        );
      }
      return fresh;
    };

    /** Notices a dead hub, reports it with the cases that led up to it, and starts it again. */
    const reviveHub = async (batch: number): Promise<void> => {
      if (!hub || hub.alive) return;
      const exit = hub.exit ?? (await hub.exited);
      hubExits++;
      crashes.push(exit);
      const culprit = [...recent].reverse().find((d) => d.outcome.endedBy !== 'connect-failed');
      const what = exit.what ?? `the hub process exited (code ${exit.code}, signal ${exit.signal})`;
      const line = exit.line ?? errorLine(exit.stderrTail);
      fail(
        {
          check: 'hub_exit',
          batch,
          message: `${what}${line ? `: ${line}` : ''}`,
          exit,
          ...(culprit ? { causedBy: caseReport(culprit.c, culprit.outcome, true) } : {}),
          tracedBy: 'first-seen-after-case',
          recentCases: recent.slice(-4, culprit ? -1 : undefined).map((d) => caseReport(d.c, d.outcome, true)),
        },
        `hub exit: ${exit.what ? `${exit.what}: ` : ''}${(exit.line ?? errorLine(exit.stderrTail)).slice(0, 200) || `code ${exit.code}, signal ${exit.signal}`}`,
      );
      state.close();
      // Same port, so the honest clients' peer URL stays valid; its files carry on where they were.
      let lastError: unknown;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          hub = await hub.restart();
          emit({ type: 'hub_restarted', batch, url: hub.url, pid: hub.describe().pid });
          return;
        } catch (error) {
          lastError = error;
          await sleep(300);
        }
      }
      throw new Error(`the hub could not be restarted after it exited: ${errorText(lastError)}`);
    };

    /**
     * Honest connections the hub closed. A hub has no reason to drop an honest client; drops right
     * after a crash the run already reported are that crash's doing, and not counted again.
     */
    const checkDrops = (batch: number, after: Done | undefined): void => {
      const fresh: HonestDrop[] = recorder.drops.slice(seenDrops);
      seenDrops = recorder.drops.length;
      for (const d of fresh) {
        if (crashes.some((e) => d.at >= e.at - CRASH_DROP_WINDOW_MS && d.at <= e.at + CRASH_DROP_WINDOW_MS)) continue;
        honestDrops++;
        fail(
          {
            check: 'honest_dropped',
            batch,
            message: `the hub closed honest ${d.nodeId}'s ${d.datasetId} connection (code ${d.code}${d.reason ? `, ${JSON.stringify(d.reason)}` : ''})`,
            ...(after ? { causedBy: caseReport(after.c, after.outcome, true) } : {}),
            tracedBy: after ? 'first-seen-after-case' : 'seen-at-batch-check',
            recentCases: recent.slice(-4).map((r) => caseReport(r.c, r.outcome, false)),
          },
          `honest connection closed by the hub (code ${d.code})`,
        );
      }
    };

    const honestCheck = async (batch: number, label: string): Promise<HonestRoundResult> => {
      const [writer, readerNode] = batch % 2 === 0 ? [a, b] : [b, a];
      const result = await honestRound(writer, readerNode, ledger, label);
      if (result.ok) honestOk++;
      else {
        honestFailed++;
        const code = /\b([a-z]+(?:_[a-z]+)+)\b/.exec(result.error ?? '')?.[1];
        fail({ check: 'honest_sync', batch, message: `honest sync ${result.direction} failed at ${result.step}: ${result.error}`, honest: result, recentCases: recent.slice(-3).map((d) => caseReport(d.c, d.outcome, false)) }, `honest sync failed at ${result.step}${code ? ` (${code})` : ''}`);
      }
      return result;
    };

    // The baseline: before any hostile frame, the hub syncs and holds only honest writes.
    await honestCheck(0, 'baseline');
    checkState(0, undefined);
    let fingerprint = state.fingerprint();

    const generator = new CaseGenerator(rng, {
      corpus,
      token,
      honestAuthors: () => [...ledger.authors],
      honestKeys: () => ledger.keysWritten('primary').map((k) => k.key),
      hubHead: (ds, author) => state.heads(ds).get(author),
    });

    let batch = 0;
    while (framesSent < frameTarget && stoppedBy !== 'time') {
      batch++;
      const batchEnd = Math.min(frameTarget, batch * batchSize);
      let fresh = 0;
      while (framesSent < batchEnd) {
        if (Date.now() > deadline) {
          stoppedBy = 'time';
          break;
        }
        const c = generator.next(cases, batch);
        cases++;
        authModes[c.auth] = (authModes[c.auth] ?? 0) + 1;
        const counts = (mutations[c.kind] ??= { cases: 0, frames: 0 });
        counts.cases++;
        const onSent = (m: Outgoing) => {
          framesSent++;
          counts.frames++;
          noteHandshake(m, token, ledger);
        };
        // Dataset and token in the URL, as the library's own client sends them: an edge router reads
        // both before any frame. Wrong-token cases too: their handshake must then be refused by the hub itself.
        const url = upgradeUrl(hub.url, c.datasetId, token);
        const outcome = c.plan.type === 'socket' ? await runSocketCase(url, c.plan, { timeoutMs: caseTimeoutMs, onSent }) : await runRawCase(url, c.plan, { timeoutMs: caseTimeoutMs, onSent });
        const done: Done = { c, outcome, sent: outcome.sent };
        recent.push(done);
        if (recent.length > RECENT_CASES) recent.shift();
        if (outcome.endedBy === 'timeout' && c.plan.type === 'socket') {
          stalls++;
          if (stalls <= MAX_STALL_LINES) emit({ type: 'stall', batch, case: caseReport(c, outcome, true) });
        }
        if (!hub.alive) {
          await reviveHub(batch);
          fingerprint = '';
        }
        checkDrops(batch, done);
        const now = state.fingerprint();
        if (now !== fingerprint) {
          fresh += checkState(batch, done);
          fingerprint = state.fingerprint();
        }
      }
      // A hub that died at the very end of the batch may not have been noticed by the last case.
      await sleep(20);
      await reviveHub(batch);
      const honestResult = await honestCheck(batch, `batch-${batch}`);
      await reviveHub(batch);
      fresh += checkState(batch, undefined);
      fingerprint = state.fingerprint();
      checkDrops(batch, undefined);
      batches = batch;
      emit({ type: 'batch', batch, framesSent, cases, elapsedMs: Date.now() - started, hubAlive: hub.alive, hubExits, honestSync: honestResult, newStateChanges: fresh, stateChanges: reported.size, stalls });
    }
    // Last, with every object in use: still nothing unauthenticated reaches one.
    await checkUpgrades(batches);
  } catch (error) {
    stoppedBy = 'fatal';
    // The harness itself failed (or the hub could not be started): the stack says where.
    fatal = `${errorText(error)}${error instanceof Error && error.stack ? `\n${error.stack.split('\n').slice(1, 8).join('\n')}` : ''}`;
  } finally {
    await Promise.all(honest.map((h) => withTimeout(h.node.close(), 10_000).catch(() => undefined)));
    reader?.close();
    await hub?.stop().catch(() => undefined);
    if (!options.keepData) rmSync(runDir, { recursive: true, force: true });
  }

  const stateChanges = [...reported].length;
  const summary: FuzzSummary = {
    type: 'summary',
    ok: stoppedBy !== 'fatal' && hubExits === 0 && stateChanges === 0 && honestFailed === 0 && honestDrops === 0 && upgradeRefusals.failed === 0 && checkErrors === 0 && framesSent >= frameTarget,
    hub: hubKind,
    seed,
    frameTarget,
    framesSent,
    cases,
    batches,
    hubExits,
    stateChanges,
    honestSyncs: { ok: honestOk, failed: honestFailed },
    honestDrops,
    upgradeRefusals,
    stalls,
    checkErrors,
    stoppedBy,
    ...(fatal ? { fatal } : {}),
    elapsedMs: Date.now() - started,
    mutations,
    authModes,
    failures: [...failures.values()].sort((x, y) => y.count - x.count),
    ...(options.keepData ? { dataDir } : {}),
  };
  emit(summary);
  return summary;
}

/** The hub under test, on fresh storage in `dataDir`, with token auth. */
async function startHub(kind: HubKind, options: { bin: string; dataDir: string; runDir: string; token: string }): Promise<HubUnderTest> {
  if (kind === 'node') return HubProcess.start({ bin: options.bin, dataDir: options.dataDir, token: options.token });
  // Loaded only when asked for: it brings Miniflare, workerd and esbuild.
  const { EdgeHub } = await import('./edge-hub.ts');
  return EdgeHub.start({ persistDir: options.dataDir, runDir: options.runDir, token: options.token });
}

/**
 * A handshake the fuzzer sent with the right token makes its node id a legitimate peer (the hub
 * may track it); decoding what was actually sent also covers mutated handshakes that stayed valid.
 */
function noteHandshake(m: Outgoing, token: string, ledger: HonestLedger): void {
  if (typeof m.data === 'string' || m.data.length < 6 || m.data[0] !== 1) return;
  try {
    const hs = sluice.sync.v1.HandshakeRequest.decode(m.data.subarray(6));
    if (hs.authToken === token && hs.nodeId) ledger.authenticatedIds.add(hs.nodeId);
  } catch {
    // not a decodable handshake: it cannot authenticate anyone
  }
}

/** The error line of a crash report ("TypeError: ..."), not the minified source line above it. */
function errorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const line = lines.find((l) => /^([A-Z]\w*)?(Error|Exception)\b.*:/.test(l) || /^Error \[/.test(l)) ?? lines.find((l) => l !== '' && l.length < 300) ?? '';
  return line.slice(0, 200);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
