import { mkdirSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { bundleWorker, COMPATIBILITY_DATE, freePort } from '../test/edge/workerd.ts';
import { edgeHubLayout } from './edge-storage.ts';
import { DATASETS } from './honest-clients.ts';
import type { HubExit, HubInfo, HubUnderTest, UpgradeRefusalResult } from './hub-under-test.ts';
import type { StorageLayout } from './storage-layout.ts';
import { tryUpgrade, upgradeTries } from './upgrade-refusals.ts';
import { CrashWatch, REJECTION_WATCH } from './workerd-crashes.ts';

/*
 * The edge hub under test: the example Worker (routeToHub at /sync, SluiceHubObject per dataset on
 * Durable Object SQLite) bundled from the built package as an app deploys it, in real workerd
 * through Miniflare. Token auth with the fuzzer's token, and the datasets a Node hub serves by
 * default, of the same kinds: primary (documents), logs and timeseries (append).
 *
 * workerd outlives a crash of the code it runs, so "the hub exited" is what workerd-crashes.ts
 * says it is; after one the run goes on with the same workerd (it resets a broken object by
 * itself), or with the one Miniflare started again when workerd itself died.
 */

export const EDGE_WORKER = 'examples/cloudflare/src/worker.ts';
export const EDGE_DATASETS = 'primary,logs:append,timeseries:append';
const SYNC_PATH = '/sync';
const BINDING = 'SLUICE_HUB';
/** Asked for only without the right token: its object must never exist. */
const NO_OBJECT_NAME = 'fz-never-served';
/** A valid dataset name the hub does not serve, asked for with the right token. */
const UNSERVED_NAME = 'fz-unserved';

/** Bundled once per process: every run and restart serves the same Worker. */
let bundled: Promise<string> | undefined;

function workerCode(): Promise<string> {
  bundled ??= bundleWorker(EDGE_WORKER).then((b) => REJECTION_WATCH + b.code);
  return bundled;
}

/** One workerd (through Miniflare) for the whole run; each crash starts a new EdgeHub on it. */
interface EdgeRuntime {
  readonly mf: Miniflare;
  readonly watch: CrashWatch;
  readonly url: string;
  readonly port: number;
  readonly storage: StorageLayout;
}

export class EdgeHub implements HubUnderTest {
  readonly kind = 'edge';
  private exitInfo: HubExit | undefined;
  /** Set at the first crash line, before exitInfo (which waits for the rest of the lines). */
  private dying = false;
  private readonly unsubscribe: () => void;
  readonly exited: Promise<HubExit>;

  private constructor(private readonly runtime: EdgeRuntime) {
    let resolveExit!: (exit: HubExit) => void;
    this.exited = new Promise((resolve) => (resolveExit = resolve));
    const since = runtime.watch.seq;
    this.unsubscribe = runtime.watch.onCrash((what, line) => {
      if (this.dying) return;
      this.dying = true;
      const at = Date.now();
      // The tail is read a moment later: the rest of the error (a companion line, what it caused) follows in the same burst.
      setTimeout(() => {
        this.exitInfo = { code: null, signal: null, what, line: firstLine(line), stderrTail: runtime.watch.tail(since), stdoutTail: '', at };
        resolveExit(this.exitInfo);
      }, 50);
    });
  }

  /**
   * Starts workerd with the objects' storage in `persistDir`, inside `runDir`, where nothing else
   * may appear (path tricks).
   */
  static async start(options: { persistDir: string; runDir: string; token: string }): Promise<EdgeHub> {
    const persist = options.persistDir;
    mkdirSync(persist, { recursive: true });
    const watch = new CrashWatch();
    const mf = new Miniflare({
      modules: true,
      script: await workerCode(),
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ['nodejs_compat'],
      durableObjects: { [BINDING]: { className: 'SluiceHubObject', useSQLite: true } },
      durableObjectsPersist: persist,
      // Token auth (no JWT variable at all), checked by routeToHub on the upgrade and by the object on the handshake.
      bindings: { SLUICE_TOKEN: options.token, SLUICE_DATASETS: EDGE_DATASETS },
      host: '127.0.0.1',
      port: await freePort(),
      cf: false,
      // --verbose makes workerd log uncaught exceptions; its output comes here line by line.
      verbose: true,
      logRequests: false,
      log: watch.log,
      handleStructuredLogs: watch.structured,
      unsafeHandleRuntimeRestart: watch.runtimeRestarted,
    });
    try {
      const ready = await mf.ready;
      // The object of dataset d is idFromName(d): its file is named for that id.
      const ids: Record<string, string> = {};
      for (const ds of DATASETS) ids[ds] = await objectIdOf(mf, ds);
      const port = Number(ready.port);
      return new EdgeHub({ mf, watch, url: `ws://127.0.0.1:${port}${SYNC_PATH}`, port, storage: edgeHubLayout(persist, options.runDir, ids) });
    } catch (error) {
      await mf.dispose().catch(() => undefined);
      throw error;
    }
  }

  get url(): string {
    return this.runtime.url;
  }

  get storage(): StorageLayout {
    return this.runtime.storage;
  }

  get alive(): boolean {
    return !this.dying;
  }

  get exit(): HubExit | undefined {
    return this.exitInfo;
  }

  describe(): HubInfo {
    return { kind: 'edge', url: this.url, worker: EDGE_WORKER };
  }

  /**
   * Goes on after a crash: workerd resets a broken object by itself (the next request starts it
   * afresh on its stored data), and Miniflare restarts a workerd that died, on the same port.
   */
  async restart(): Promise<EdgeHub> {
    await this.exited;
    // The rest of the burst (a companion line, an error the crash caused) still belongs to this one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.unsubscribe();
    await this.runtime.mf.ready;
    return new EdgeHub(this.runtime);
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.runtime.mf.dispose();
  }

  /**
   * Upgrades the router must refuse before any object sees them (upgrade-refusals.ts). None may
   * create an object, but for the unserved dataset's: where the object itself says it does not
   * serve it, it exists, empty (the state check reads its file).
   */
  async checkUpgradeRefusals(token: string): Promise<UpgradeRefusalResult> {
    const { mf, port } = this.runtime;
    const before = new Set(await mf.listDurableObjectIds(BINDING));
    const tries = upgradeTries(`ws://127.0.0.1:${port}${SYNC_PATH}`, token, DATASETS, NO_OBJECT_NAME, UNSERVED_NAME);
    const failures: string[] = [];
    for (const t of tries) {
      const { kind, how } = await tryUpgrade(t);
      if (kind !== t.expect) failures.push(`${t.what}: ${how}, expected a refusal (${t.expect}) (${t.url.replace(token, '<token>')})`);
    }
    const unserved = await objectIdOf(mf, UNSERVED_NAME);
    const noObject = await objectIdOf(mf, NO_OBJECT_NAME);
    for (const id of await mf.listDurableObjectIds(BINDING)) {
      if (before.has(id) || id === unserved) continue;
      failures.push(`a refused upgrade created object ${id === noObject ? `of ${NO_OBJECT_NAME} (asked for with a wrong or no token)` : `${id.slice(0, 12)}…`}`);
    }
    return { tried: tries.length, failures };
  }
}

/** The message of a crash line, without its stack. */
function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

/** The id of the object routeToHub sends dataset `name` to (the project has no workers types, hence the cast). */
async function objectIdOf(mf: Miniflare, name: string): Promise<string> {
  const namespace = (await mf.getDurableObjectNamespace(BINDING)) as unknown as { idFromName(name: string): { toString(): string } };
  return namespace.idFromName(name).toString();
}
