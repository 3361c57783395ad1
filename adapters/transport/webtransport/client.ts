import { SluiceError } from '../../../src/core/errors.ts';
import { CONNECT_TIMEOUT_BOUNDS, invalidOption, optionalFrameBytes, optionalInteger, optionalObject, optionalToken, preview } from '../../../src/core/option-checks.ts';
import type { Connector, TokenSource, Transport } from '../../../src/protocol/transport.ts';
import { StreamTransport } from './stream-transport.ts';

export interface WebTransportConnectorOptions {
  /**
   * Token presented in the handshake: a string of at most 16 KiB (left out, or '': no token), or a
   * function returning one, called on every dial and again a minute before a JWT it returned expires.
   */
  readonly token?: TokenSource;
  /**
   * SHA-256 digests of the server's certificate (32 bytes, or 64 hex digits), for a self-signed
   * certificate the browser would not otherwise trust. Chromium accepts only ECDSA certificates
   * valid for at most 14 days here.
   */
  readonly serverCertificateHashes?: ReadonlyArray<Uint8Array | string>;
  /** How long opening the session may take, in whole ms from 10 to 600000 (10 min). Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Incoming frames above this end the connection: 1 KiB to 64 MiB. Default: the protocol's 4 MiB. */
  readonly maxFrameBytes?: number;
}

/** The members of the WHATWG WebTransport API used here (browsers; Deno with --unstable-net). */
interface WebTransportSession {
  readonly ready: Promise<void>;
  readonly closed: Promise<{ closeCode?: number; reason?: string }>;
  createBidirectionalStream(): Promise<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }>;
  close(info?: { closeCode?: number; reason?: string }): void;
}

type WebTransportCtor = new (url: string, options?: { serverCertificateHashes?: { algorithm: string; value: BufferSource }[] }) => WebTransportSession;

/** WebTransport reasons are capped at 1024 UTF-8 bytes. */
const MAX_REASON_CHARS = 256;

/**
 * A peer reachable over WebTransport (`https://host:port/path`). Each connect() opens its own
 * session with one bidirectional stream, so every dataset pipeline has its own congestion and
 * flow control and none waits behind another's bytes.
 */
export function webTransport(url: string, options: WebTransportConnectorOptions = {}): Connector {
  if (typeof url !== 'string') throw invalidOption('url', 'an https:// URL string', url, 'e.g. webTransport("https://hub.example:8787/")');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SluiceError('invalid_options', `Invalid peer URL ${preview(url)}: use https://host:port/ for WebTransport.`, { field: 'url' });
  }
  if (parsed.protocol !== 'https:') throw new SluiceError('invalid_options', `WebTransport peer URL ${preview(url)} must start with https://.`, { field: 'url' });
  if (optionalObject(options, 'options', '{ token: "secret" }') === undefined) options = {};
  const token = typeof options.token === 'function' ? options.token : (optionalToken(options.token, 'token', true) ?? '');
  const connectTimeoutMs = optionalInteger(options.connectTimeoutMs, 'connectTimeoutMs', CONNECT_TIMEOUT_BOUNDS);
  const maxFrameBytes = optionalFrameBytes(options.maxFrameBytes, 'maxFrameBytes');
  const pinned: unknown = options.serverCertificateHashes ?? [];
  if (!Array.isArray(pinned) || pinned.length > MAX_PINNED_HASHES) {
    throw invalidOption('serverCertificateHashes', `an array of at most ${MAX_PINNED_HASHES} SHA-256 digests`, pinned, 'or leave it out to trust the certificate the usual way');
  }
  const hashes = pinned.map((h: unknown, i) => ({ algorithm: 'sha-256', value: hashBytes(h, i) as BufferSource }));
  return {
    url,
    token,
    describe: () => ({
      kind: 'webtransport',
      url,
      // A function cannot cross to a worker: the worker asks this thread for each token instead.
      ...(typeof token === 'function' ? { token: '', tokenFromNode: true } : { token }),
      serverCertificateHashes: hashes.map((h) => hexOf(h.value as Uint8Array)),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
    }),
    async connect(signal?: AbortSignal): Promise<Transport> {
      const Ctor = (globalThis as { WebTransport?: WebTransportCtor }).WebTransport;
      if (!Ctor) {
        throw new SluiceError(
          'invalid_options',
          'This runtime has no WebTransport: use a browser that has it (Chromium 97+, Firefox 114+; only on secure pages, https:// or loopback), Deno with --unstable-net, or sluice/websocket.',
          { url },
        );
      }
      if (signal?.aborted) throw new SluiceError('connection_closed', `Connecting to ${url} was cancelled.`, { url });
      let session: WebTransportSession;
      try {
        session = new Ctor(url, hashes.length > 0 ? { serverCertificateHashes: hashes } : {});
      } catch (error) {
        throw new SluiceError('invalid_options', `Could not open a WebTransport session to ${url}: ${(error as Error).message}`, { url }, { cause: error });
      }
      const stream = await opened(session, url, connectTimeoutMs ?? 10_000, signal);
      return new StreamTransport(stream, url, {
        ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
        closeSession: (code, reason) => session.close({ closeCode: code, reason: reason.slice(0, MAX_REASON_CHARS) }),
        sessionClosed: session.closed,
      });
    },
  };
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A handful of certificates (one per rotation step) is all pinning needs. */
const MAX_PINNED_HASHES = 16;

function hashBytes(hash: unknown, index: number): Uint8Array {
  const field = `serverCertificateHashes[${index}]`;
  if (hash instanceof Uint8Array) {
    if (hash.length !== 32) throw invalidOption(field, 'a SHA-256 digest: 32 bytes or 64 hex digits', `${hash.length} bytes`);
    return hash;
  }
  if (typeof hash !== 'string' || hash.length > 200) throw invalidOption(field, 'a SHA-256 digest: 32 bytes or 64 hex digits', hash);
  const hex = hash.replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SluiceError('invalid_options', `${field} must be a SHA-256 digest: 32 bytes or 64 hex digits.`, { field });
  }
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

async function opened(session: WebTransportSession, url: string, timeoutMs: number, signal?: AbortSignal): Promise<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    const fail = (message: string, cause?: unknown) => {
      try {
        session.close();
      } catch {
        // not open yet
      }
      reject(new SluiceError('connection_closed', message, { url }, cause === undefined ? undefined : { cause }));
    };
    timer = setTimeout(() => fail(`Could not connect to ${url} within ${timeoutMs} ms.`), timeoutMs);
    onAbort = () => fail(`Connecting to ${url} was cancelled.`);
    signal?.addEventListener('abort', onAbort);
  });
  try {
    return await Promise.race([
      failed,
      (async () => {
        try {
          await session.ready;
          return await session.createBidirectionalStream();
        } catch (error) {
          throw new SluiceError('connection_closed', `Could not connect to ${url} over WebTransport: ${(error as Error)?.message ?? String(error)} (is the hub running, and is its certificate trusted or pinned?)`, { url }, { cause: error });
        }
      })(),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    failed.catch(() => undefined);
  }
}
