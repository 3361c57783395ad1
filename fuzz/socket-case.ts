import { WebSocket } from 'ws';
import { MESSAGE_TYPES, type MessageKind } from '../src/protocol/messages.ts';
import { decodeFrame, encodeFrame, type DecodedFrame } from '../src/protocol/wire-codec.ts';
import type { CaseOutcome, Outgoing, SocketPlan } from './case-plan.ts';

/*
 * Runs one case over a plain `ws` client: sends the plan's messages, answers any request the hub
 * makes of us, and ends as soon as the outcome is known. The probe (a harmless request sent last)
 * makes that fast and exact: requests on a connection are handled in order, so its answer means
 * the hub is done with everything the case sent, and the state check that follows sees the result.
 */

const REQUEST_KINDS = new Set<MessageKind>(['handshakeRequest', 'vectorClockRequest', 'pullChangesRequest', 'pushChangesRequest', 'chainRangeRequest', 'snapshotRequest']);
const REQUEST_TYPES = new Set([...REQUEST_KINDS].map((k) => MESSAGE_TYPES[k]));

export interface RunOptions {
  readonly timeoutMs: number;
  /** Called for every message put on the wire (the run counts frames from it). */
  readonly onSent: (message: Outgoing) => void;
}

export function runSocketCase(url: string, plan: SocketPlan, options: RunOptions): Promise<CaseOutcome> {
  const started = Date.now();
  const sent: Outgoing[] = [];
  const hubRequests: string[] = [];
  const errors: string[] = [];
  return new Promise((resolve) => {
    let finished = false;
    let opened = false;
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, handshakeTimeout: options.timeoutMs });
    const finish = (endedBy: CaseOutcome['endedBy'], close?: { code: number; reason: string }) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        // A polite close first (that is what most clients do); cut it if the hub does not answer.
        if (endedBy === 'probe-answered' && ws.readyState === WebSocket.OPEN) {
          ws.close(1000, 'fuzz case done');
          setTimeout(() => ws.terminate(), 500).unref();
        } else {
          ws.terminate();
        }
      }
      resolve({ sent, endedBy, ...(close ? { closeCode: close.code, closeReason: close.reason } : {}), hubRequests, errors, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(opened ? 'timeout' : 'connect-failed'), options.timeoutMs);
    const put = (m: Outgoing) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      sent.push(m);
      options.onSent(m);
      ws.send(m.data, { binary: typeof m.data !== 'string' });
    };
    ws.on('error', () => {
      if (!opened) finish('connect-failed');
    });
    ws.on('close', (code, reason) => finish(opened ? 'hub-closed' : 'connect-failed', { code, reason: reason.toString().slice(0, 200) }));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length < 6) return;
      const requestId = data.readUInt32LE(2);
      let decoded: DecodedFrame | undefined;
      try {
        // Compressed frames (the hub compresses large answers once a codec is negotiated) stay opaque.
        if ((data[1]! & 1) === 0) decoded = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 256 * 1024 * 1024);
      } catch {
        decoded = undefined;
      }
      if (decoded?.message.kind === 'error') errors.push(decoded.message.code);
      if (plan.probe && requestId === plan.probe.requestId) {
        finish('probe-answered');
        return;
      }
      // Even ids are the hub's own requests (made while it handles one of ours): answer them.
      if (decoded && requestId % 2 === 0 && REQUEST_KINDS.has(decoded.message.kind)) {
        hubRequests.push(decoded.message.kind);
        for (const reply of plan.onHubRequest ? plan.onHubRequest(decoded) : defaultReplies(decoded)) put(reply);
      } else if (!decoded && requestId % 2 === 0 && REQUEST_TYPES.has(data[0]!)) {
        // A request our decoder refuses (a chain range with an empty end hash, say) still gets an
        // answer: left unanswered, the hub would wait out its request timeout and the case would stall.
        hubRequests.push(`undecodable request type ${data[0]}`);
        put({ data: encodeFrame({ kind: 'error', code: 'snapshot_required', message: 'could not decode your request', datasetId: 'primary' }, requestId), note: `error answer to the hub's undecodable request (type ${data[0]})` });
      }
    });
    ws.on('open', () => {
      opened = true;
      for (const m of plan.frames) put(m);
      if (plan.abrupt) {
        ws.terminate();
        // Give the hub a moment with the frames it got before the cut; no answer will tell us.
        setTimeout(() => finish('cut'), 30);
        return;
      }
      if (plan.probe) put(plan.probe);
    });
  });
}

/** Without a script: no chain range, no snapshot, an error for anything else. The hub must cope. */
function defaultReplies(request: DecodedFrame): Outgoing[] {
  const m = request.message;
  const datasetId = 'datasetId' in m ? m.datasetId : 'primary';
  if (m.kind === 'chainRangeRequest') {
    return [{ data: encodeFrame({ kind: 'chainRangeResponse', datasetId, entries: [], snapshotRequired: true }, request.requestId), note: 'answer to the hub: chain range not available' }];
  }
  return [{ data: encodeFrame({ kind: 'error', code: 'snapshot_required', message: 'not available from this peer', datasetId }, request.requestId), note: `error answer to the hub's ${m.kind}` }];
}
