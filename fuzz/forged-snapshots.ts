import type { DatasetId } from '../src/core/dataset-id.ts';
import type { OplogEntry } from '../src/core/oplog-entry.ts';
import type { DecodedFrame } from '../src/protocol/wire-codec.ts';
import type { HubRequestHandler, Outgoing } from './case-plan.ts';
import { chainOf, collectionFor, DAY, makeEntry, marker, nextStamp, push, selfAuthor, send, victimOf, type HostileContext, type HostilePlan } from './forged-entries.ts';
import { utf8 } from './wire.ts';

/*
 * Snapshot injection. A hub that takes a snapshot from a peer which is pushing to it lets that peer
 * rewrite history: documents, other authors' entries, heads and prune boundaries. These cases push
 * an entry whose predecessor the hub lacks, so the hub asks the pusher to fill the gap, and answer
 * with forged chain ranges and forged snapshots; or send snapshot chunks nobody asked for.
 */

/**
 * A snapshot that would poison the dataset: an honest document overwritten with a far-future
 * timestamp, a forged entry in an honest author's name, a fake head and boundary, plus `extra`.
 */
export function forgedSnapshot(ctx: HostileContext, datasetId: DatasetId, extra: readonly OplogEntry[]): Uint8Array {
  const far = Date.now() + 3650 * DAY;
  const victim = victimOf(ctx);
  const documents =
    datasetId === 'primary'
      ? [
          { collection: 'todos', key: ctx.honestKeys.length > 0 ? ctx.rng.pick(ctx.honestKeys) : 'c-a-0', value: { case: ctx.caseIndex, fuzz: 'snapshot-overwrite' }, hlc: { wall: far, logic: 0, nodeId: victim }, deleted: false, meta: null },
          { collection: 'todos', key: `fz-snap-${ctx.caseIndex}`, value: { fuzz: 'snapshot-new' }, hlc: { wall: Date.now(), logic: 0, nodeId: victim }, deleted: false, meta: null },
        ]
      : [];
  const forged = makeEntry({ datasetId, author: victim, collection: collectionFor(datasetId), key: `fz-snap-${ctx.caseIndex}`, payload: marker(ctx, datasetId, 'snapshot'), wall: far, logic: 0, prevHash: ctx.hubHead(datasetId, victim)?.hash ?? '' });
  const heads = [{ nodeId: victim, hlc: { wall: far, logic: 1, nodeId: victim }, hash: ctx.rng.hex(32) }];
  const boundaries = ctx.rng.chance(0.3) ? [{ nodeId: victim, hlc: { wall: far, logic: 0, nodeId: victim }, hash: ctx.rng.hex(32) }] : [];
  return utf8(JSON.stringify({ format: 'sluice-snapshot/1', datasetId, createdAt: Date.now(), documents, oplog: [...extra, forged], heads, boundaries }));
}

/** Snapshot chunks answering `requestId`, the snapshot cut into 1-3 pieces. */
function snapshotReply(ctx: HostileContext, datasetId: DatasetId, requestId: number, data: Uint8Array, note: string): Outgoing[] {
  const pieces = Math.min(ctx.rng.range(1, 3), Math.max(1, data.length));
  const size = Math.ceil(data.length / pieces);
  const out: Outgoing[] = [];
  for (let i = 0; i < pieces; i++) {
    const slice = data.subarray(i * size, (i + 1) * size);
    out.push(send({ kind: 'snapshotChunk', datasetId, data: slice, isLast: i === pieces - 1, index: i }, requestId, `${note} (chunk ${i + 1}/${pieces})`));
  }
  return out;
}

/**
 * Pushes an entry whose predecessor the hub does not have, so the hub asks us for the chain range;
 * we say only a snapshot will do, and when the hub asks for one, send a forged snapshot that also
 * holds the missing predecessor.
 */
export function snapshotPushGap(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const [e0, e1] = chainOf(ctx, ds, author, 2, (i) => marker(ctx, ds, `snapshot-gap-${i}`));
  const variant = ctx.rng.pick(['snapshot-required', 'snapshot-instead-of-range']);
  const snapshot = forgedSnapshot(ctx, ds, [e0!]);
  const onHubRequest: HubRequestHandler = (req: DecodedFrame) => {
    const m = req.message;
    if (m.kind === 'chainRangeRequest') {
      if (variant === 'snapshot-instead-of-range') return snapshotReply(ctx, ds, req.requestId, snapshot, 'forged snapshot sent as the chain range answer');
      return [send({ kind: 'chainRangeResponse', datasetId: ds, entries: [], snapshotRequired: true }, req.requestId, 'chain range answer: snapshot required')];
    }
    if (m.kind === 'snapshotRequest') return snapshotReply(ctx, ds, req.requestId, snapshot, 'forged snapshot (honest document overwritten far in the future, forged entry, fake head)');
    return [send({ kind: 'error', code: 'snapshot_required', message: 'fuzz', datasetId: ds }, req.requestId, `error answer to ${m.kind}`)];
  };
  const note = `push by ${author} of an entry after ${e0!.hash.slice(0, 12)}…, which the hub does not have (then: ${variant})`;
  return { frames: [push(ctx, ds, [e1!], note)], onHubRequest, detail: note };
}

/** Like the gap push, but the chain range answer itself is forged. */
export function snapshotChainForged(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const author = selfAuthor(ctx);
  const variant = ctx.rng.pick(['far-future-predecessor', 'other-author', 'wrong-start']);
  const far = Date.now() + 3650 * DAY;
  const victim = victimOf(ctx);
  const head = ctx.hubHead(ds, author)?.hash ?? '';
  const e0 =
    variant === 'far-future-predecessor'
      ? makeEntry({ datasetId: ds, author, collection: collectionFor(ds), key: `fz-${ctx.caseIndex}-0`, payload: marker(ctx, ds, 'chain-forged'), wall: far, logic: 0, prevHash: head })
      : makeEntry({ datasetId: ds, author, collection: collectionFor(ds), key: `fz-${ctx.caseIndex}-0`, payload: marker(ctx, ds, 'chain-forged'), ...nextStamp(ctx, ds, author), prevHash: head });
  const e1 = makeEntry({ datasetId: ds, author, collection: collectionFor(ds), key: `fz-${ctx.caseIndex}-1`, payload: marker(ctx, ds, 'chain-forged-1'), wall: Math.min(e0.hlc.wall, Date.now()), logic: e0.hlc.logic + 1, prevHash: e0.hash });
  const answer: OplogEntry[] =
    variant === 'far-future-predecessor'
      ? [e0]
      : variant === 'other-author'
        ? chainOf(ctx, ds, victim, 2, () => marker(ctx, ds, 'chain-forged-victim'))
        : [makeEntry({ datasetId: ds, author, collection: e0.collection, key: e0.key, payload: e0.payload, wall: e0.hlc.wall, logic: e0.hlc.logic, prevHash: ctx.rng.hex(32) })];
  const snapshot = forgedSnapshot(ctx, ds, [e0]);
  const onHubRequest: HubRequestHandler = (req) => {
    const m = req.message;
    if (m.kind === 'chainRangeRequest') return [send({ kind: 'chainRangeResponse', datasetId: ds, entries: answer, snapshotRequired: false }, req.requestId, `forged chain range answer (${variant})`)];
    if (m.kind === 'snapshotRequest') return snapshotReply(ctx, ds, req.requestId, snapshot, 'forged snapshot');
    return [send({ kind: 'error', code: 'snapshot_required', message: 'fuzz', datasetId: ds }, req.requestId, `error answer to ${m.kind}`)];
  };
  const note = `push by ${author} with a missing predecessor, answered by a forged chain range (${variant})`;
  return { frames: [push(ctx, ds, [e1], note)], onHubRequest, detail: note };
}

/** Snapshot chunks and other responses nobody asked for. */
export function snapshotUnsolicited(ctx: HostileContext): HostilePlan {
  const ds = ctx.datasetId;
  const snapshot = forgedSnapshot(ctx, ds, []);
  const frames: Outgoing[] = [
    send({ kind: 'snapshotChunk', datasetId: ds, data: snapshot, isLast: true, index: 0 }, ctx.nextRequestId(), 'forged snapshot chunk as a request'),
    send({ kind: 'snapshotChunk', datasetId: ds, data: snapshot, isLast: true, index: 0 }, 2 * ctx.rng.range(1, 50), 'forged snapshot chunk as a response to a request the hub never sent'),
  ];
  return { frames: ctx.rng.chance(0.5) ? frames : [frames[ctx.rng.int(2)]!], detail: 'unsolicited forged snapshot' };
}
