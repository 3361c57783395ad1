import type { StorageLayout } from './storage-layout.ts';

/*
 * The hub the fuzzer attacks, whatever runs it: a `sluice hub` process (hub-process.ts) or the edge
 * hub, SluiceHubObject behind routeToHub in workerd (edge-hub.ts). The run needs the same four
 * things from both: where to dial, whether it crashed (and a way to carry on after a crash), where
 * its state lives so the state check can read it, and a way to stop it.
 */

export type HubKind = 'node' | 'edge';

export interface HubExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** The end of what the hub wrote before it died: usually the uncaught error and its stack. */
  readonly stderrTail: string;
  readonly stdoutTail: string;
  readonly at: number;
  /** What happened, where it was not a process exit (the edge: an uncaught error in an object, ...). */
  readonly what?: string;
  /** The log line that reported it, without its stack. */
  readonly line?: string;
}

export interface HubUnderTest {
  readonly kind: HubKind;
  /** What clients dial; each socket adds its dataset and the token to it (upgradeUrl). */
  readonly url: string;
  /** False once the hub crashed: its process exited, or (edge) an object threw or was reset. */
  readonly alive: boolean;
  readonly exit: HubExit | undefined;
  readonly exited: Promise<HubExit>;
  /** Where its state lives: the same files across restarts. */
  readonly storage: StorageLayout;
  /** For the run's start and restart lines. */
  describe(): HubInfo;
  /** The hub again after a crash: same port (the honest clients keep their URL), same storage. */
  restart(): Promise<HubUnderTest>;
  stop(): Promise<void>;
  /**
   * Upgrades that must be refused before they reach the hub's storage (the edge router checks the
   * token in the upgrade URL). Absent where the hub reads the token only from the handshake.
   */
  checkUpgradeRefusals?(token: string): Promise<UpgradeRefusalResult>;
}

export interface HubInfo {
  readonly kind: HubKind;
  readonly url: string;
  readonly pid?: number | undefined;
  readonly bin?: string;
  readonly worker?: string;
}

export interface UpgradeRefusalResult {
  readonly tried: number;
  /** One line per upgrade that was not refused as it must be, or that left an object behind. */
  readonly failures: readonly string[];
}
