import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { CaseOutcome, Outgoing, RawPlan } from './case-plan.ts';
import type { RunOptions } from './socket-case.ts';
import { concat } from './wire.ts';

/*
 * Below the WebSocket library: the HTTP upgrade by hand, then bytes written straight to TCP. This
 * is how the fuzzer sends what no client library will: a frame cut off mid-way with the socket
 * closed, a header announcing an enormous length, unmasked or fragmented frames, reserved bits,
 * unknown opcodes, text frames with invalid UTF-8.
 */

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface WsFrameOptions {
  readonly fin?: boolean;
  readonly mask?: boolean;
  /** RSV1-3 bits (0-7). */
  readonly rsv?: number;
  /** Length written in the header, whatever the payload really is. */
  readonly announced?: bigint;
}

/** One WebSocket frame as a client must send it (masked), unless told otherwise. */
export function wsFrame(opcode: number, payload: Uint8Array, options: WsFrameOptions = {}): Uint8Array {
  const fin = options.fin ?? true;
  const mask = options.mask ?? true;
  const length = options.announced ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 0x1_0000n) head.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    head.push(maskBit | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(8 * i)) & 0xffn));
  }
  // A zero masking key is legal and leaves the payload readable in the report (and searchable when a
  // violation is traced back to the frame that caused it).
  return mask ? concat(Uint8Array.from(head), new Uint8Array(4), payload) : concat(Uint8Array.from(head), payload);
}

export function runRawCase(url: string, plan: RawPlan, options: RunOptions): Promise<CaseOutcome> {
  const started = Date.now();
  // The path and query too: a router in front of the hub reads the dataset and token from them.
  const { hostname, port, pathname, search } = new URL(url);
  const sent: Outgoing[] = [];
  return new Promise((resolve) => {
    let finished = false;
    let upgraded = false;
    let response = '';
    const scanner = new CloseFrameScanner();
    const socket: Socket = connect({ host: hostname, port: Number(port) });
    const finish = (endedBy: CaseOutcome['endedBy']) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ sent, endedBy, hubRequests: [], errors: [], ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(upgraded ? (plan.then === 'wait' ? 'timeout' : 'cut') : 'connect-failed'), options.timeoutMs);
    socket.on('error', () => finish(upgraded ? 'hub-closed' : 'connect-failed'));
    socket.on('close', () => finish(upgraded ? 'hub-closed' : 'connect-failed'));
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        // A hub that sends its close frame has closed: some (workerd) then wait for ours before
        // they drop the connection, which would only run the case into its bounded wait.
        if (plan.then === 'wait' && scanner.closes(chunk)) finish('hub-closed');
        return;
      }
      response += chunk.toString('latin1');
      if (!response.includes('\r\n\r\n')) return;
      if (!/^HTTP\/1\.1 101/.test(response)) {
        finish('connect-failed');
        return;
      }
      upgraded = true;
      // What came with the 101 after its headers is already WebSocket frames.
      const early = Buffer.from(response.slice(response.indexOf('\r\n\r\n') + 4), 'latin1');
      const closedEarly = early.length > 0 && scanner.closes(early);
      for (const c of plan.chunks) {
        sent.push(c);
        options.onSent(c);
        socket.write(c.data);
      }
      if (closedEarly && plan.then === 'wait') {
        finish('hub-closed');
      } else if (plan.then === 'destroy') {
        // The hub gets a moment with the partial frame before the connection is cut under it.
        setTimeout(() => finish('cut'), 20);
      } else {
        // Bounded wait for the hub to close on its own; what it does not close in time, we cut.
        setTimeout(() => finish('cut'), Math.min(300, options.timeoutMs));
      }
    });
    socket.on('connect', () => {
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}

/**
 * Follows the frames a hub sends (unmasked, as servers send them) across TCP chunks, far enough to
 * see each one's opcode: true once a close frame begins.
 */
class CloseFrameScanner {
  private pending = Buffer.alloc(0);
  /** Payload bytes of the current frame still to skip. */
  private skip = 0;

  closes(chunk: Buffer): boolean {
    let bytes = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length);
        this.skip -= n;
        bytes = bytes.subarray(n);
        if (this.skip > 0) break;
      }
      if (bytes.length < 2) break;
      if ((bytes[0]! & 0x0f) === OPCODE.close) return true;
      const short = bytes[1]! & 0x7f;
      const lengthBytes = short === 126 ? 2 : short === 127 ? 8 : 0;
      const head = 2 + lengthBytes + ((bytes[1]! & 0x80) !== 0 ? 4 : 0);
      if (bytes.length < head) break;
      this.skip = short === 126 ? bytes.readUInt16BE(2) : short === 127 ? Number(bytes.readBigUInt64BE(2)) : short;
      bytes = bytes.subarray(head);
    }
    this.pending = Buffer.from(bytes);
    return false;
  }
}
