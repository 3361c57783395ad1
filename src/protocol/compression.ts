import { deflateFrame } from '#sluice/deflate';
import { SluiceError } from '../core/errors.ts';

/*
 * Frame compression: inflating through the web-platform DecompressionStream, which browsers, Node,
 * Deno and Bun all ship, with a hard output bound; deflating through the runtime's best codec
 * (`#sluice/deflate`). No codec library is needed. Only payloads above a threshold are compressed:
 * small frames (acks, clocks, single entries) would grow and cost a stream round trip.
 */

export const SUPPORTED_CODECS = ['deflate-raw', 'gzip'] as const;
export type Codec = (typeof SUPPORTED_CODECS)[number];
export const DEFAULT_COMPRESSION_THRESHOLD = 8 * 1024;

/** The first codec in the peer's preference list that we can read and write; '' for none. */
export function negotiateCodec(offered: readonly string[]): Codec | '' {
  for (const codec of offered) if ((SUPPORTED_CODECS as readonly string[]).includes(codec)) return codec as Codec;
  return '';
}

/** Compression is runtime-specific (`#sluice/deflate`): node:zlib at a low level where it exists. */
export function compress(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
  return deflateFrame(codec, data);
}

/**
 * Inflates with a hard output limit: a small malicious frame must not expand into gigabytes
 * (a "zip bomb"). Reading stops, and the stream is cancelled, as soon as the limit is crossed.
 */
export async function decompress(codec: Codec, data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return collect(pipe(new DecompressionStream(codec), data), maxBytes, codec);
}

function pipe(stream: DecompressionStream, data: Uint8Array): ReadableStream<Uint8Array> {
  const writer = stream.writable.getWriter();
  // Errors surface on the readable side; swallow the writer's copy so it is not reported as unhandled.
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  return stream.readable as ReadableStream<Uint8Array>;
}

async function collect(readable: ReadableStream<Uint8Array>, maxBytes: number, codec: Codec): Promise<Uint8Array> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new SluiceError('frame_too_large', `Compressed frame inflates past the ${maxBytes}-byte limit.`, { limit: maxBytes });
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError('malformed_frame', `Corrupt ${codec} payload: ${(error as Error).message}.`, { codec }, { cause: error });
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
