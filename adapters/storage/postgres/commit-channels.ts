import type { Sql } from 'postgres';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import type { CommitNotice } from '../../../src/store/storage-adapter.ts';
import { parseCommitPayload } from './commit-notices.ts';
import type { DatasetSchema } from './dataset-schema.ts';

type Listener = (notices: readonly CommitNotice[]) => void;

interface Watcher {
  readonly listener: Listener;
  /** Every head of the watched dataset, reported when notices may have been missed. */
  readonly heads: () => Promise<readonly AuthorHead[]>;
}

interface Channel {
  readonly watchers: Map<DatasetId, Set<Watcher>>;
  /** Resolves once LISTEN is in place, to what ends it. */
  readonly listening: Promise<() => Promise<void>>;
}

/**
 * The LISTENs of one adapter: one per channel and server, however many datasets are watched on it.
 * The instances of a name share their schema's channel, so a hub with 10,000 users' datasets open
 * holds one LISTEN for them, not 10,000 (the server checks every notification against each channel a
 * session listens on), and parses each payload once before handing it to the watchers of the
 * instance it names. Payloads about instances nobody here watches are dropped.
 */
export class CommitChannels {
  private readonly channels = new Map<Sql, Map<string, Channel>>();

  constructor(private readonly writerId: string) {}

  /** Hears the other writers' commits to `ds`; resolves once listening, to a function that stops. */
  async watch(ds: DatasetSchema, listener: Listener, heads: () => Promise<readonly AuthorHead[]>): Promise<() => Promise<void>> {
    let byChannel = this.channels.get(ds.sql);
    if (byChannel === undefined) this.channels.set(ds.sql, (byChannel = new Map()));
    let channel = byChannel.get(ds.channel);
    if (channel === undefined) {
      channel = this.listen(ds);
      byChannel.set(ds.channel, channel);
    }
    const watcher: Watcher = { listener, heads };
    const watched = channel.watchers.get(ds.datasetId) ?? new Set<Watcher>();
    channel.watchers.set(ds.datasetId, watched.add(watcher));
    const stop = async () => {
      watched.delete(watcher);
      if (watched.size === 0 && channel.watchers.get(ds.datasetId) === watched) channel.watchers.delete(ds.datasetId);
      if (channel.watchers.size > 0 || byChannel.get(ds.channel) !== channel) return;
      byChannel.delete(ds.channel);
      await (await channel.listening.catch(() => undefined))?.();
    };
    try {
      await channel.listening;
    } catch (error) {
      // LISTEN failed: the channel is forgotten, so the next watch tries again.
      await stop();
      throw error;
    }
    return stop;
  }

  /**
   * Forgets every channel. The LISTENs on the adapter's own clients (`owned`) end with them; those on
   * an app's own client (`{ sql }`), which lives on, are ended here: a closed adapter must not keep
   * listening through it.
   */
  async close(owned: ReadonlySet<Sql>): Promise<void> {
    const lent = [...this.channels].filter(([sql]) => !owned.has(sql)).flatMap(([, byName]) => [...byName.values()]);
    this.channels.clear();
    await Promise.all(lent.map(async (channel) => (await channel.listening.catch(() => undefined))?.()));
  }

  private listen(ds: DatasetSchema): Channel {
    const watchers = new Map<DatasetId, Set<Watcher>>();
    // A payload without `d` is about the channel's own dataset; an instance channel has none.
    const own = ds.partitioned ? undefined : ds.datasetId;
    let listens = 0;
    const listening = ds.sql
      .listen(
        ds.channel,
        (payload) => {
          const { datasetId, notices } = parseCommitPayload(payload, this.writerId);
          const target = datasetId ?? own;
          if (notices.length === 0 || target === undefined) return;
          for (const w of watchers.get(target) ?? []) w.listener(notices);
        },
        // The client re-establishes LISTEN after a lost connection; what was committed meanwhile was
        // never heard, so every watched dataset's heads are reported instead (count 0), and live
        // peers pull what they lack.
        () => {
          if (listens++ === 0) return;
          for (const set of watchers.values()) {
            for (const w of set) {
              void w
                .heads()
                .then((heads) => heads.length > 0 && w.listener(heads.map((h) => ({ author: h.nodeId, first: h.hlc, last: h.hlc, lastHash: h.hash, count: 0 }))))
                .catch(() => undefined);
            }
          }
        },
      )
      .then(({ unlisten }) => async () => {
        await unlisten().catch(() => undefined);
      });
    return { watchers, listening };
  }
}
