import type { DatasetId } from '../src/core/dataset-id.ts';
import { PROTOCOL_VERSION } from '../src/protocol/messages.ts';
import { encodeFrame } from '../src/protocol/wire-codec.ts';
import type { AuthMode, FuzzCase, Outgoing, RawPlan, SocketPlan } from './case-plan.ts';
import type { CapturedFrame, Corpus } from './corpus.ts';
import { DATASETS } from './honest-clients.ts';
import { buildHostile, HOSTILE_KINDS, type HeadInfo, type HostileContext, type HostileKind } from './hostile-messages.ts';
import { BYTE_MUTATIONS, mutateFrame, type ByteMutation } from './mutations.ts';
import { OPCODE, wsFrame } from './raw-websocket.ts';
import type { Rng } from './rng.ts';
import { utf8 } from './wire.ts';

/*
 * Turns the seed into cases. Each case is one connection: how it starts (hostile frame first,
 * replayed honest handshake, wrong token, or a fresh identity with the right token), which dataset,
 * and what it sends. Families:
 *   bytes   - captured frames mutated byte by byte, empty and text messages, many frames, cut sockets
 *   hostile - well-formed messages built with the codec that a correct hub must refuse
 *   raw     - malformed WebSocket framing written straight to TCP
 */

const FAMILY_WEIGHTS = { bytes: 50, hostile: 42, raw: 8 } as const;

const SEQUENCE_KINDS = ['empty-message', 'text-message', 'many-frames', 'abrupt-close'] as const;
type SequenceKind = (typeof SEQUENCE_KINDS)[number];

const BYTE_WEIGHTS: Readonly<Record<ByteMutation | SequenceKind, number>> = {
  truncate: 6,
  bitflip: 8,
  'byte-set': 4,
  'header-type': 3,
  'header-flags': 3,
  'request-id': 2,
  splice: 3,
  'append-garbage': 2,
  'insert-bytes': 2,
  'huge-length': 4,
  'overlong-varint': 3,
  'field-string': 4,
  'duplicate-field': 2,
  'short-frame': 2,
  'random-bytes': 2,
  replay: 3,
  'empty-message': 4,
  'text-message': 4,
  'many-frames': 2,
  'abrupt-close': 2,
};

const HOSTILE_WEIGHTS: Readonly<Record<HostileKind, number>> = {
  'forged-author': 6,
  'far-future': 4,
  'wrong-hash': 3,
  'broken-chain': 3,
  'non-json': 4,
  'oversized-doc': 1,
  'deep-json': 2,
  'invalid-utf8': 3,
  'hostile-numbers': 3,
  'path-dataset': 4,
  'unknown-dataset': 2,
  'snapshot-push-gap': 5,
  'snapshot-chain-forged': 3,
  'snapshot-unsolicited': 2,
  'response-as-request': 2,
  'pull-hostile': 2,
  'chain-range-hostile': 1,
  'handshake-hostile': 4,
  rehandshake: 2,
  'compression-bomb': 1,
  'ping-flood': 1,
  'many-entries': 1,
  'forged-signature': 4,
};

const RAW_KINDS = ['ws-close-mid-frame', 'ws-huge-length', 'ws-fragmented', 'ws-unmasked', 'ws-bad-opcode', 'ws-invalid-text', 'ws-rsv-bits', 'ws-long-control'] as const;
const RAW_WEIGHTS: Readonly<Record<(typeof RAW_KINDS)[number], number>> = {
  'ws-close-mid-frame': 5,
  'ws-huge-length': 2,
  'ws-fragmented': 2,
  'ws-unmasked': 1,
  'ws-bad-opcode': 1,
  'ws-invalid-text': 1,
  'ws-rsv-bits': 1,
  'ws-long-control': 1,
};

/** Every kind the generator can pick, for the summary (kinds never picked show as 0). */
export const ALL_KINDS: readonly string[] = [...BYTE_MUTATIONS, ...SEQUENCE_KINDS, ...HOSTILE_KINDS, ...RAW_KINDS];

const WRONG_TOKENS = (token: string) => ['', 'wrong', `${token}x`, token.slice(0, -1), token.toUpperCase(), 'x'.repeat(1_000), `${token}\u0000`];

export interface GeneratorContext {
  readonly corpus: Corpus;
  readonly token: string;
  readonly honestAuthors: () => readonly string[];
  readonly honestKeys: () => readonly string[];
  readonly hubHead: (datasetId: DatasetId, author: string) => HeadInfo | undefined;
}

interface Prefix {
  readonly frames: Outgoing[];
  readonly declaredId: string;
}

export class CaseGenerator {
  private nextId = 1;
  private caseIndex = 0;

  constructor(
    private readonly rng: Rng,
    private readonly ctx: GeneratorContext,
  ) {}

  next(index: number, batch: number): FuzzCase {
    this.nextId = 1;
    this.caseIndex = index;
    const family = this.rng.weighted(FAMILY_WEIGHTS);
    const datasetId = this.rng.pick(DATASETS);
    if (family === 'raw') return this.rawCase(index, batch, datasetId);
    if (family === 'hostile') return this.hostileCase(index, batch, datasetId);
    return this.bytesCase(index, batch, datasetId);
  }

  private requestId = (): number => {
    const id = this.nextId;
    this.nextId += 2;
    return id;
  };

  /** The probe: a vector clock request with an id nothing else in the case uses. */
  private probe(datasetId: DatasetId): SocketPlan['probe'] {
    const requestId = 0x7000_0001 + 2 * this.rng.int(0x0100_0000);
    return { data: encodeFrame({ kind: 'vectorClockRequest', datasetId }, requestId), note: 'probe: vector clock request', requestId };
  }

  /** How the socket starts. */
  private prefix(auth: AuthMode, datasetId: DatasetId, index: number): Prefix {
    switch (auth) {
      case 'first':
        return { frames: [], declaredId: '' };
      case 'token': {
        const captured = this.ctx.corpus.handshakes.filter((h) => h.datasetId === datasetId);
        if (captured.length === 0) return this.prefix('attacker-id', datasetId, index);
        const h = this.rng.pick(captured);
        this.nextId = 3;
        return { frames: [{ data: h.bytes, note: `replayed handshake of ${h.nodeId} for ${h.datasetId} (right token)` }], declaredId: h.nodeId };
      }
      case 'attacker-id': {
        const nodeId = `fz-attacker-${index}`;
        const frame = encodeFrame({ kind: 'handshakeRequest', nodeId, authToken: this.ctx.token, compression: ['deflate-raw', 'gzip'], collections: [], datasetId, extraDatasetIds: [], protocolVersion: PROTOCOL_VERSION, publicKey: this.rng.hex(32), pushOnly: false, noticeCredits: 0 }, this.requestId());
        return { frames: [{ data: frame, note: `handshake as ${nodeId} for ${datasetId} (right token)` }], declaredId: nodeId };
      }
      case 'wrong-token': {
        const nodeId = this.rng.chance(0.3) ? this.rng.pick(this.ctx.honestAuthors()) : `fz-wrongtoken-${index}`;
        const token = this.rng.pick(WRONG_TOKENS(this.ctx.token));
        const frame = encodeFrame({ kind: 'handshakeRequest', nodeId, authToken: token, compression: ['deflate-raw', 'gzip'], collections: [], datasetId, extraDatasetIds: [], protocolVersion: PROTOCOL_VERSION, publicKey: this.rng.hex(32), pushOnly: false, noticeCredits: 0 }, this.requestId());
        return { frames: [{ data: frame, note: `handshake as ${nodeId} for ${datasetId} with a wrong token (${JSON.stringify(token.slice(0, 16))}${token.length > 16 ? '…' : ''})` }], declaredId: '' };
      }
    }
  }

  private corpusFrame(datasetId: DatasetId, preferHandshake: boolean): CapturedFrame {
    const all = this.ctx.corpus.frames;
    if (preferHandshake && this.ctx.corpus.handshakes.length > 0) return this.rng.pick(this.ctx.corpus.handshakes);
    const direction = this.rng.chance(0.75) ? 'out' : 'in';
    const sameDataset = this.rng.chance(0.8);
    const pool = all.filter((f) => f.direction === direction && (!sameDataset || f.datasetId === datasetId));
    return this.rng.pick(pool.length > 0 ? pool : all);
  }

  private mutated(kind: ByteMutation, datasetId: DatasetId, preferHandshake: boolean): Outgoing {
    const source = this.corpusFrame(datasetId, preferHandshake);
    const other = this.rng.pick(this.ctx.corpus.frames);
    const m = mutateFrame(this.rng, kind, source.bytes, other.bytes);
    return { data: m.bytes, note: `${kind} of ${source.nodeId}'s ${source.direction === 'out' ? 'sent' : 'received'} ${source.datasetId} ${source.kind}: ${m.detail}` };
  }

  private textMessage(): Outgoing {
    const frame = this.rng.pick(this.ctx.corpus.frames).bytes;
    const text = this.rng.pick(['', 'hello', '{"kind":"handshakeRequest"}', '\u0000', Buffer.from(frame).toString('latin1'), 'x'.repeat(100_000), '\ud800']);
    return { data: text, note: `text message of ${text.length} characters` };
  }

  private bytesCase(index: number, batch: number, datasetId: DatasetId): FuzzCase {
    const kind = this.rng.weighted(BYTE_WEIGHTS);
    const auth = this.rng.weighted<AuthMode>({ first: 35, token: 35, 'wrong-token': 20, 'attacker-id': 10 });
    const prefix = this.prefix(auth, datasetId, index);
    const frames: Outgoing[] = [...prefix.frames];
    let abrupt = false;
    if (kind === 'empty-message') {
      for (let i = this.rng.pick([1, 1, 2, 5]); i > 0; i--) frames.push({ data: new Uint8Array(0), note: 'empty binary message' });
    } else if (kind === 'text-message') {
      frames.push(this.textMessage());
    } else if (kind === 'many-frames') {
      frames.push(...this.manyFrames(datasetId, prefix.declaredId));
    } else if (kind === 'abrupt-close') {
      abrupt = true;
      frames.push(this.rng.chance(0.5) ? this.mutated(this.rng.pick(BYTE_MUTATIONS), datasetId, false) : this.capturedRequest(datasetId));
    } else {
      frames.push(this.mutated(kind, datasetId, auth === 'first' && this.rng.chance(0.35)));
    }
    if (auth === 'wrong-token') frames.push(...this.followUps(datasetId));
    const plan: SocketPlan = abrupt ? { type: 'socket', frames, abrupt: true } : { type: 'socket', frames, probe: this.probe(datasetId) };
    const hostilePart = frames.slice(prefix.frames.length);
    return { index, batch, kind, family: 'bytes', datasetId, auth, declaredId: prefix.declaredId, detail: hostilePart.map((f) => f.note).join('; ').slice(0, 500), plan };
  }

  /** After a refused handshake: more frames on the same socket, the empty message among them. */
  private followUps(datasetId: DatasetId): Outgoing[] {
    const out: Outgoing[] = [];
    for (let i = this.rng.range(1, 4); i > 0; i--) {
      const pick = this.rng.int(5);
      if (pick === 0) out.push({ data: new Uint8Array(0), note: 'empty binary message' });
      else if (pick === 1) out.push(this.textMessage());
      else if (pick === 2) out.push(this.capturedRequest(datasetId));
      else if (pick === 3) out.push(this.mutated(this.rng.pick(BYTE_MUTATIONS), datasetId, false));
      else out.push(...buildHostile('forged-author', this.hostileContext(this.caseIndex, datasetId, '')).frames);
    }
    return out;
  }

  /** A request the honest client really sent for this dataset (read or push), unchanged. */
  private capturedRequest(datasetId: DatasetId): Outgoing {
    const pool = this.ctx.corpus.frames.filter((f) => f.direction === 'out' && f.datasetId === datasetId && f.kind !== 'handshakeRequest');
    const f = this.rng.pick(pool.length > 0 ? pool : this.ctx.corpus.frames);
    return { data: f.bytes, note: `captured ${f.datasetId} ${f.kind} of ${f.nodeId}, unchanged` };
  }

  /** Many frames on one socket: mostly frames that keep it open, so later ones are read too. */
  private manyFrames(datasetId: DatasetId, declaredId: string): Outgoing[] {
    const n = this.rng.range(10, 60);
    const out: Outgoing[] = [];
    for (let i = 0; i < n; i++) {
      const pick = this.rng.int(10);
      if (pick < 5) out.push(this.capturedRequest(datasetId));
      else if (pick < 7) out.push({ data: encodeFrame({ kind: 'ping', nonce: i }, this.requestId()), note: 'ping' });
      else if (pick < 8) out.push(...buildHostile(this.rng.pick(['forged-author', 'far-future', 'wrong-hash', 'non-json', 'pull-hostile'] as const), this.hostileContext(this.caseIndex, datasetId, declaredId)).frames);
      else out.push(this.mutated(this.rng.pick(BYTE_MUTATIONS), datasetId, false));
    }
    return out;
  }

  private hostileContext(index: number, datasetId: DatasetId, declaredId: string): HostileContext {
    return {
      rng: this.rng,
      caseIndex: index,
      datasetId,
      declaredId,
      token: this.ctx.token,
      honestAuthors: this.ctx.honestAuthors(),
      honestKeys: this.ctx.honestKeys(),
      hubHead: this.ctx.hubHead,
      nextRequestId: this.requestId,
    };
  }

  private hostileCase(index: number, batch: number, datasetId: DatasetId): FuzzCase {
    const kind = this.rng.weighted(HOSTILE_WEIGHTS);
    const auth: AuthMode =
      kind === 'handshake-hostile'
        ? this.rng.chance(0.7) ? 'first' : 'token'
        : kind === 'rehandshake'
          ? this.rng.chance(0.5) ? 'token' : 'attacker-id'
          : kind === 'path-dataset' || kind === 'unknown-dataset'
            ? this.rng.weighted<AuthMode>({ first: 40, token: 30, 'attacker-id': 30 })
            : this.rng.weighted<AuthMode>({ token: 45, 'attacker-id': 40, first: 8, 'wrong-token': 7 });
    const prefix = this.prefix(auth, datasetId, index);
    const hostile = buildHostile(kind, this.hostileContext(index, datasetId, prefix.declaredId));
    const frames = [...prefix.frames, ...hostile.frames];
    // Now and then the socket is cut right after a write, before any answer can come back.
    const abrupt = this.rng.chance(0.08) && !hostile.onHubRequest;
    const plan: SocketPlan = abrupt
      ? { type: 'socket', frames, abrupt: true }
      : { type: 'socket', frames, probe: this.probe(datasetId), ...(hostile.onHubRequest ? { onHubRequest: hostile.onHubRequest } : {}) };
    return { index, batch, kind, family: 'hostile', datasetId, auth, declaredId: prefix.declaredId, detail: `${hostile.detail}${abrupt ? ' (socket cut right after)' : ''}`.slice(0, 500), plan };
  }

  private rawCase(index: number, batch: number, datasetId: DatasetId): FuzzCase {
    const kind = this.rng.weighted(RAW_WEIGHTS);
    const handshake = this.ctx.corpus.handshakes.filter((h) => h.datasetId === datasetId);
    const authenticated = handshake.length > 0 && this.rng.chance(0.6);
    const chunks: Outgoing[] = [];
    let declaredId = '';
    if (authenticated && kind !== 'ws-fragmented') {
      const h = this.rng.pick(handshake);
      declaredId = h.nodeId;
      chunks.push({ data: wsFrame(OPCODE.binary, h.bytes), note: `replayed handshake of ${h.nodeId} (right token)` });
    }
    const payload = this.capturedRequest(datasetId).data as Uint8Array;
    let then: RawPlan['then'] = 'wait';
    switch (kind) {
      case 'ws-close-mid-frame': {
        const whole = wsFrame(OPCODE.binary, payload);
        const cut = this.rng.chance(0.3) ? this.rng.range(1, Math.min(13, whole.length - 1)) : this.rng.range(1, whole.length - 1);
        chunks.push({ data: whole.subarray(0, cut), note: `first ${cut} of ${whole.length} bytes of a WebSocket frame, then the socket is cut` });
        then = 'destroy';
        break;
      }
      case 'ws-huge-length': {
        const announced = this.rng.pick([5n * 1024n * 1024n, 1n << 32n, 1n << 40n, (1n << 63n) - 1n]);
        chunks.push({ data: wsFrame(OPCODE.binary, payload.subarray(0, 16), { announced }), note: `frame header announcing ${announced} bytes, 16 sent` });
        break;
      }
      case 'ws-fragmented': {
        const hs = handshake.length > 0 ? this.rng.pick(handshake) : undefined;
        if (hs) declaredId = hs.nodeId;
        const message = hs ? hs.bytes : payload;
        const cut = this.rng.range(1, Math.max(1, message.length - 1));
        chunks.push({ data: wsFrame(OPCODE.binary, message.subarray(0, cut), { fin: false }), note: `first fragment (${cut} bytes) of ${hs ? `${hs.nodeId}'s handshake` : 'a frame'}` });
        if (this.rng.chance(0.5)) chunks.push({ data: wsFrame(OPCODE.ping, utf8('fz')), note: 'ping between fragments' });
        chunks.push({ data: wsFrame(this.rng.chance(0.8) ? OPCODE.continuation : OPCODE.binary, message.subarray(cut)), note: 'last fragment (or a new message where a continuation belongs)' });
        chunks.push({ data: wsFrame(OPCODE.binary, payload), note: 'a captured request after it' });
        break;
      }
      case 'ws-unmasked':
        chunks.push({ data: wsFrame(OPCODE.binary, payload, { mask: false }), note: 'unmasked client frame' });
        break;
      case 'ws-bad-opcode': {
        const opcode = this.rng.pick([0x3, 0x4, 0x7, 0xb, 0xf]);
        chunks.push({ data: wsFrame(opcode, payload), note: `frame with reserved opcode 0x${opcode.toString(16)}` });
        break;
      }
      case 'ws-invalid-text':
        chunks.push({ data: wsFrame(OPCODE.text, Uint8Array.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])), note: 'text frame with invalid UTF-8' });
        break;
      case 'ws-rsv-bits': {
        const rsv = this.rng.range(1, 7);
        chunks.push({ data: wsFrame(OPCODE.binary, payload, { rsv }), note: `frame with RSV bits ${rsv} and no extension negotiated` });
        break;
      }
      case 'ws-long-control':
        chunks.push({ data: wsFrame(OPCODE.ping, new Uint8Array(200)), note: 'ping with a 200-byte payload (control frames carry at most 125)' });
        break;
    }
    const plan: RawPlan = { type: 'raw', chunks, then };
    return { index, batch, kind, family: 'raw', datasetId, auth: declaredId ? 'token' : 'first', declaredId, detail: chunks.map((c) => c.note).join('; '), plan };
  }
}
