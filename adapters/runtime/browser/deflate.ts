/*
 * Frame compression in browsers (and any runtime without node:zlib): the web platform's
 * CompressionStream, at its fixed level. Chosen by the package's `#sluice/deflate` import conditions.
 */

export async function deflateFrame(codec: 'deflate-raw' | 'gzip', data: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream(codec);
  const writer = stream.writable.getWriter();
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (stream.readable as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
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
