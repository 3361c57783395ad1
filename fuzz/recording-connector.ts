import type { CloseInfo, ConnectTarget, Connector, Transport, TransportHandlers } from '../src/protocol/transport.ts';
import { decodeFrame } from '../src/protocol/wire-codec.ts';
import type { CapturedFrame } from './corpus.ts';

/*
 * Wraps an honest node's connector so every frame its connections send and receive is recorded as
 * raw bytes. The node itself is unchanged: it cannot tell the wrapper from the plain connector.
 * (No describe(): honest nodes run every dataset in-process, so nothing needs to rebuild this in a
 * worker, where the recording would be lost.)
 *
 * It also notes every honest connection the hub closed rather than the honest node: a hub has no
 * reason to drop an honest client, so a drop is a symptom (on the edge, of an object that was reset).
 */

const MAX_FRAME = 64 * 1024 * 1024;

/** An honest connection closed from the hub's side. */
export interface HonestDrop {
  readonly nodeId: string;
  readonly datasetId: string;
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

export class FrameRecorder {
  readonly frames: CapturedFrame[] = [];
  /** Always collected, also once frame recording stops. */
  readonly drops: HonestDrop[] = [];
  enabled = true;

  record(datasetId: string, nodeId: string, direction: 'out' | 'in', bytes: Uint8Array): void {
    if (!this.enabled) return;
    const copy = new Uint8Array(bytes);
    let kind: CapturedFrame['kind'] = 'undecodable';
    let requestId = 0;
    try {
      const decoded = decodeFrame(copy, MAX_FRAME);
      kind = decoded.message.kind;
      requestId = decoded.requestId;
    } catch {
      // Compressed frames decode only with their codec; they stay in the corpus as bytes.
    }
    this.frames.push({ datasetId, nodeId, direction, kind, requestId, bytes: copy });
  }
}

export function recordingConnector(inner: Connector, nodeId: string, recorder: FrameRecorder): Connector {
  return {
    url: inner.url,
    token: inner.token,
    // The target (the connection's dataset) goes on: a router in front of the hub routes by it.
    async connect(signal?: AbortSignal, target?: ConnectTarget): Promise<Transport> {
      return recordingTransport(await inner.connect(signal, target), nodeId, recorder);
    },
  };
}

function recordingTransport(inner: Transport, nodeId: string, recorder: FrameRecorder): Transport {
  // The connection's dataset is named by its first frame, the handshake; frames are tagged with it.
  let datasetId = '';
  const early: Uint8Array[] = [];
  const tag = (direction: 'out' | 'in', bytes: Uint8Array) => {
    if (datasetId === '' && direction === 'out') {
      try {
        const first = decodeFrame(bytes, MAX_FRAME).message;
        if (first.kind === 'handshakeRequest') datasetId = first.datasetId;
      } catch {
        datasetId = 'unknown';
      }
      for (const e of early.splice(0)) recorder.record(datasetId, nodeId, 'in', e);
    }
    if (datasetId === '') early.push(new Uint8Array(bytes));
    else recorder.record(datasetId, nodeId, direction, bytes);
  };
  let closedHere = false;
  return {
    remote: inner.remote,
    get bufferedAmount() {
      return inner.bufferedAmount;
    },
    start(handlers: TransportHandlers): void {
      inner.start({
        frame(bytes: Uint8Array) {
          tag('in', bytes);
          handlers.frame(bytes);
        },
        close(info: CloseInfo) {
          if (!closedHere) recorder.drops.push({ nodeId, datasetId, code: info.code, reason: info.reason, at: Date.now() });
          handlers.close(info);
        },
      });
    },
    send(frame: Uint8Array): void {
      tag('out', frame);
      inner.send(frame);
    },
    close(code?: number, reason?: string): void {
      closedHere = true;
      inner.close(code, reason);
    },
  };
}
