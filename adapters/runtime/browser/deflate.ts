/*
 * Frame compression in browsers (and any runtime without node:zlib): the web platform's
 * CompressionStream, at its fixed level. Chosen by the package's `#sluice/deflate` import conditions.
 */

export async function deflateFrame(codec: 'deflate-raw' | 'gzip', data: Uint8Array): Promise<Uint8Array> {
  const compressed = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream(codec));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}
