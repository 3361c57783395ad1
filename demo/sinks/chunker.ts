import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { SluiceError } from 'sluice';

/**
 * Deterministic paragraph chunker for the demo chunk-index sink.
 *
 * Rule (the same input always gives the same chunks, on every runtime):
 * 1. Line endings are normalised (`\r\n` and `\r` become `\n`).
 * 2. The text is split into paragraphs at blank lines (a line holding only spaces or tabs counts
 *    as blank). Each paragraph is trimmed; empty paragraphs are dropped, so extra blank lines or
 *    leading/trailing whitespace never change the chunks.
 * 3. A paragraph longer than `chunkSize` characters is cut into consecutive pieces of exactly
 *    `chunkSize` characters (the last piece may be shorter). A "character" is a Unicode code point,
 *    so a cut never splits a surrogate pair.
 *
 * Chunk identity is positional: `chunkId = ${documentId}#${position}` with `position` the chunk's
 * ordinal (0-based) in the document. It never depends on the content, so an edited chunk keeps its
 * id and is overwritten in place; `chunkHash` (SHA-256 of the chunk's UTF-8 text, lower-case hex)
 * decides whether a chunk must be rewritten or can be skipped.
 */

export const DEFAULT_CHUNK_SIZE = 200;

export interface ChunkerOptions {
  /** Maximum chunk length in code points. Default 200. */
  readonly chunkSize?: number;
}

/** One chunk of one document version, as the index stores it. */
export interface Chunk {
  readonly chunkId: string;
  readonly documentId: string;
  readonly position: number;
  /** SHA-256 hex of `text`. */
  readonly hash: string;
  readonly text: string;
}

const encoder = new TextEncoder();

export function chunkId(documentId: string, position: number): string {
  return `${documentId}#${position}`;
}

export function chunkHash(text: string): string {
  return bytesToHex(sha256(encoder.encode(text)));
}

/** The chunk texts of `text`, in order (see the rule above). */
export function splitText(text: string, options: ChunkerOptions = {}): string[] {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
  const chunks: string[] = [];
  for (const paragraph of paragraphs) {
    const codePoints = Array.from(paragraph);
    if (codePoints.length <= chunkSize) {
      chunks.push(paragraph);
      continue;
    }
    for (let start = 0; start < codePoints.length; start += chunkSize) {
      chunks.push(codePoints.slice(start, start + chunkSize).join(''));
    }
  }
  return chunks;
}

/** The chunks of one document version, with positional ids and content hashes. */
export function chunkDocument(documentId: string, text: string, options: ChunkerOptions = {}): Chunk[] {
  return splitText(text, options).map((chunkText, position) => ({
    chunkId: chunkId(documentId, position),
    documentId,
    position,
    hash: chunkHash(chunkText),
    text: chunkText,
  }));
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new SluiceError('invalid_options', `chunkSize must be a positive integer (code points per chunk), got ${String(chunkSize)}.`, {
      chunkSize,
    });
  }
}
