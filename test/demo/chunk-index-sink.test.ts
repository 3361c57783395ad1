import { describe, expect, it } from 'vitest';
import { MemoryChunkIndex, type ChunkIndex, type StoredChunk } from '../../demo/sinks/chunk-index.ts';
import { ChunkIndexWriter, chunkIndexSink } from '../../demo/sinks/chunk-index-sink.ts';
import { chunkDocument, type Chunk } from '../../demo/sinks/chunker.ts';
import { isSluiceError } from '../../src/core/errors.ts';
import type { JsonValue } from '../../src/core/json.ts';
import type { SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';

// ---------------------------------------------------------------------------------------------
// helpers

let seq = 0;

function put(key: string, text: string, collection = 'docs'): SinkRecord {
  return record(key, 'put', { title: key, text }, collection);
}

function putValue(key: string, value: JsonValue, collection = 'docs'): SinkRecord {
  return record(key, 'put', value, collection);
}

function del(key: string, collection = 'docs'): SinkRecord {
  return record(key, 'delete', null, collection);
}

function record(key: string, op: 'put' | 'delete', value: JsonValue | null, collection: string): SinkRecord {
  seq++;
  return { datasetId: 'primary', collection, key, op, value, hlc: { wall: 1_700_000_000_000 + seq, logic: 0, nodeId: 'node-a' }, hash: `entry-${seq}` };
}

/** Paragraph `i` of a document, in a given revision. Every (i, rev) pair is distinct text. */
function para(i: number, rev = 0): string {
  return `Paragraph ${i} revision ${rev}: ${'lorem ipsum '.repeat(3 + i)}`.trim();
}

function doc(...paragraphs: string[]): string {
  return paragraphs.join('\n\n');
}

function paragraphs(count: number, rev = 0): string[] {
  return Array.from({ length: count }, (_, i) => para(i, rev));
}

/** What the index must hold when the final text of every document is `finals` (null = deleted). */
function expectedEntries(finals: ReadonlyMap<string, string | null>): StoredChunk[] {
  const out: StoredChunk[] = [];
  for (const [documentId, text] of [...finals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (text === null) continue;
    for (const c of chunkDocument(documentId, text)) out.push({ ...c });
  }
  return out;
}

/** Final text per document after applying `records` in order. */
function finalTexts(records: readonly SinkRecord[]): Map<string, string | null> {
  const finals = new Map<string, string | null>();
  for (const r of records) {
    const value = r.value as { text?: string } | null;
    finals.set(r.key, r.op === 'delete' ? null : (value?.text ?? ''));
  }
  return finals;
}

type Op = ['upsert' | 'delete', string[]];

/** Wraps an index and records every write call (ids in call order). */
class RecordingIndex implements ChunkIndex {
  readonly ops: Op[] = [];
  flushes = 0;
  constructor(readonly inner: ChunkIndex) {}
  get(documentId: string): Promise<Map<string, string>> {
    return this.inner.get(documentId);
  }
  upsert(chunks: readonly Chunk[]): Promise<void> {
    this.ops.push(['upsert', chunks.map((c) => c.chunkId)]);
    return this.inner.upsert(chunks);
  }
  delete(chunkIds: readonly string[]): Promise<void> {
    this.ops.push(['delete', [...chunkIds]]);
    return this.inner.delete(chunkIds);
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
  take(): Op[] {
    return this.ops.splice(0);
  }
}

/**
 * Fails the `failAt`-th write call (1-based, upserts and deletes counted together). `before`: the
 * call throws without effect (crash before the write landed). `after`: the write lands, then the
 * call throws (crash after the write, before the writer heard back).
 */
class FaultyIndex implements ChunkIndex {
  private writes = 0;
  constructor(
    readonly inner: ChunkIndex,
    private readonly failAt: number,
    private readonly mode: 'before' | 'after',
  ) {}
  get(documentId: string): Promise<Map<string, string>> {
    return this.inner.get(documentId);
  }
  upsert(chunks: readonly Chunk[]): Promise<void> {
    return this.fault(() => this.inner.upsert(chunks));
  }
  delete(chunkIds: readonly string[]): Promise<void> {
    return this.fault(() => this.inner.delete(chunkIds));
  }
  private async fault(write: () => Promise<void>): Promise<void> {
    this.writes++;
    if (this.writes !== this.failAt) return write();
    if (this.mode === 'after') await write();
    throw new Error(`injected crash at write ${this.failAt} (${this.mode})`);
  }
}

function writerOn(index: ChunkIndex, writerIndex = 0): ChunkIndexWriter {
  return chunkIndexSink({ index, parallelism: writerIndex + 1 }).open(writerIndex);
}

const ids = (documentId: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${documentId}#${from + i}`);

// ---------------------------------------------------------------------------------------------

describe('chunk-index sink: document lifecycle', () => {
  it('10 chunks edited down to 6: deletes exactly the 4 stale chunks, upserts the 2 changed, skips the 4 unchanged', async () => {
    const memory = new MemoryChunkIndex();
    const index = new RecordingIndex(memory);
    const writer = writerOn(index);

    await writer.write([put('doc', doc(...paragraphs(10)))]);
    expect(index.take()).toEqual([['upsert', ids('doc', 0, 10)]]);
    expect(memory.counters()).toMatchObject({ upserts: 10, deletes: 0 });

    // Keep paragraphs 0, 1, 3, 5; edit 2 and 4; drop 6..9.
    const v2 = doc(para(0), para(1), para(2, 1), para(3), para(4, 1), para(5));
    await writer.write([put('doc', v2)]);
    expect(index.take()).toEqual([
      ['upsert', ['doc#2', 'doc#4']],
      ['delete', ['doc#6', 'doc#7', 'doc#8', 'doc#9']],
    ]);
    expect(memory.counters()).toMatchObject({ upserts: 12, deletes: 4, upsertCalls: 2, deleteCalls: 1 });
    expect(writer.stats()).toMatchObject({
      documentsProcessed: 2,
      puts: 2,
      chunksUpserted: 12,
      chunksDeleted: 4,
      chunksSkipped: 4,
      unchangedDocuments: 0,
    });
    expect(memory.entries()).toEqual(expectedEntries(new Map([['doc', v2]])));
    expect([...(await memory.get('doc')).keys()].sort()).toEqual(ids('doc', 0, 6));
  });

  it('an unchanged document writes nothing, even as a new record or with only whitespace changes', async () => {
    const memory = new MemoryChunkIndex();
    const index = new RecordingIndex(memory);
    const writer = writerOn(index);
    const text = doc(...paragraphs(10));
    const first = put('doc', text);
    await writer.write([first]);
    index.take();
    const before = memory.counters();
    const entriesBefore = memory.entries();

    const reformatted = `\n\n${paragraphs(10).join('\r\n \r\n\r\n')}  \n`;
    const same = put('doc', text);
    await writer.write([same, put('doc', reformatted)]);

    expect(same.hash).not.toBe(first.hash); // a different oplog entry, same content
    expect(index.take()).toEqual([]);
    const after = memory.counters();
    expect(after.upserts - before.upserts).toBe(0);
    expect(after.deletes - before.deletes).toBe(0);
    expect(after.upsertCalls + after.deleteCalls).toBe(before.upsertCalls + before.deleteCalls);
    expect(writer.stats()).toMatchObject({ unchangedDocuments: 2, chunksSkipped: 20, chunksUpserted: 10, chunksDeleted: 0 });
    expect(memory.entries()).toEqual(entriesBefore);
  });

  it('a tombstone removes every chunk; a repeated tombstone is harmless; re-creating leaves only the new version', async () => {
    const memory = new MemoryChunkIndex();
    const index = new RecordingIndex(memory);
    const writer = writerOn(index);
    await writer.write([put('doc', doc(...paragraphs(10))), put('other', doc(para(0)))]);
    index.take();

    await writer.write([del('doc')]);
    expect(index.take()).toEqual([['delete', ids('doc', 0, 10)]]);
    expect(await memory.get('doc')).toEqual(new Map());
    expect(memory.documentIds()).toEqual(['other']);

    await writer.write([del('doc')]);
    expect(index.take()).toEqual([]);

    // The new version's first paragraph equals the old one: it must be written again, since the
    // tombstone removed it.
    const v3 = doc(para(0), para(1, 7), para(2, 7));
    await writer.write([put('doc', v3)]);
    expect(index.take()).toEqual([['upsert', ids('doc', 0, 3)]]);
    expect(memory.entries()).toEqual(
      expectedEntries(
        new Map([
          ['doc', v3],
          ['other', doc(para(0))],
        ]),
      ),
    );
    expect(memory.entries().filter((c) => c.documentId === 'doc')).toHaveLength(3);
    expect(writer.stats()).toMatchObject({ tombstones: 2, puts: 3, documentsProcessed: 5, chunksDeleted: 10, chunksUpserted: 14 });
  });

  it('a put whose text field is missing or not a string leaves the document with no chunks', async () => {
    const memory = new MemoryChunkIndex();
    const writer = writerOn(memory);
    await writer.write([put('a', doc(...paragraphs(3))), put('b', doc(...paragraphs(2)))]);
    await writer.write([putValue('a', { title: 'no text' }), putValue('b', { text: 42 })]);
    expect(memory.size).toBe(0);
    expect(memory.counters()).toMatchObject({ upserts: 5, deletes: 5 });
  });
});

describe('chunk-index sink: crash and replay', () => {
  // A sequence touching three documents: edits that shrink and grow, unchanged re-puts, deletes,
  // re-creation.
  const sequence = (): SinkRecord[] => [
    put('a', doc(...paragraphs(10))),
    put('b', doc(...paragraphs(3))),
    put('a', doc(para(0), para(1, 1), para(2), para(3, 1), para(4), para(5))),
    del('b'),
    put('c', doc(...paragraphs(4))),
    put('a', doc(para(0), para(1, 1), para(2), para(3, 1), para(4), para(5))),
    put('b', doc(...paragraphs(5, 2))),
    del('a'),
    put('a', doc(para(0, 3), para(1, 3))),
    put('c', doc(...paragraphs(7))),
    put('c', doc(para(0, 4))),
  ];

  async function cleanRun(records: readonly SinkRecord[]): Promise<StoredChunk[]> {
    const memory = new MemoryChunkIndex();
    const writer = writerOn(memory);
    for (const r of records) await writer.write([r]);
    return memory.entries();
  }

  it('the failure-free run ends with exactly the chunks of each document’s final version', async () => {
    const records = sequence();
    const reference = await cleanRun(records);
    expect(reference).toEqual(expectedEntries(finalTexts(records)));
    // a: 2 chunks, b: 5, c: 1.
    expect(reference.map((c) => c.chunkId)).toEqual(['a#0', 'a#1', ...ids('b', 0, 5), 'c#0']);
  });

  it('replay from any checkpoint after a crash at any later record converges to the failure-free index', async () => {
    const records = sequence();
    const reference = await cleanRun(records);
    let cases = 0;
    for (let checkpointAt = 0; checkpointAt <= records.length; checkpointAt++) {
      for (let crashAt = checkpointAt; crashAt <= records.length; crashAt++) {
        const memory = new MemoryChunkIndex();
        const first = writerOn(memory);
        for (let i = 0; i < crashAt; i++) {
          await first.write([records[i]!]);
          if (i + 1 === checkpointAt) await first.checkpoint(1);
        }
        // Crash: `first` is abandoned. A new writer replays everything after the checkpoint.
        const second = writerOn(memory);
        await second.write(records.slice(checkpointAt));
        expect(memory.entries(), `checkpoint ${checkpointAt}, crash ${crashAt}`).toEqual(reference);
        cases++;
      }
    }
    expect(cases).toBe(78);
  });

  it('a crash inside a record (before or after any single index write) recovers by replay from the last acknowledged barrier', async () => {
    const records = sequence();
    const reference = await cleanRun(records);
    const totalWrites = await (async () => {
      const memory = new MemoryChunkIndex();
      const writer = writerOn(memory);
      for (const r of records) await writer.write([r]);
      const c = memory.counters();
      return c.upsertCalls + c.deleteCalls;
    })();
    expect(totalWrites).toBeGreaterThan(10);

    for (const mode of ['before', 'after'] as const) {
      for (let failAt = 1; failAt <= totalWrites; failAt++) {
        const memory = new MemoryChunkIndex();
        const first = writerOn(new FaultyIndex(memory, failAt, mode));
        let acknowledged = 0;
        let failed = false;
        for (let i = 0; i < records.length; i++) {
          try {
            await first.write([records[i]!]);
          } catch {
            failed = true;
            break;
          }
          await first.checkpoint(i + 1);
          acknowledged = i + 1;
        }
        expect(failed, `${mode} ${failAt}`).toBe(true);
        // The failed writer never acknowledges another barrier.
        await expect(first.checkpoint(99)).rejects.toSatisfy((e: unknown) => isSluiceError(e, 'storage_failure'));
        expect(first.barriers).not.toContain(99);

        const second = writerOn(memory);
        await second.write(records.slice(acknowledged));
        expect(memory.entries(), `${mode} ${failAt}`).toEqual(reference);
      }
    }
  });

  it('replaying the whole sequence, or its last records, again changes nothing and writes nothing for current versions', async () => {
    const records = sequence();
    const reference = await cleanRun(records);
    const memory = new MemoryChunkIndex();
    await writerOn(memory).write(records);
    await writerOn(memory).write(records);
    expect(memory.entries()).toEqual(reference);

    const before = memory.counters();
    // The last record of each of b and c is the current version; re-running them is a no-op.
    await writerOn(memory).write([records[6]!, records[10]!, records[7]!]);
    const after = memory.counters();
    // records[7] deletes a (which now holds a#0, a#1 of the re-created version): the only writes.
    expect(after.upserts - before.upserts).toBe(0);
    expect(after.deletes - before.deletes).toBe(2);
    // Then replaying the rest of the sequence restores the final state.
    await writerOn(memory).write(records.slice(8));
    expect(memory.entries()).toEqual(reference);
  });
});

describe('chunk-index sink: documents in one writer', () => {
  it('interleaved documents keep independent chunk sets, even when one id looks like a chunk id of another', async () => {
    const memory = new MemoryChunkIndex();
    const index = new RecordingIndex(memory);
    const writer = writerOn(index);

    // 'a#1' is a document id and also the id of document a's chunk 1.
    await writer.write([put('a', doc(...paragraphs(3))), put('a#1', doc(...paragraphs(2, 5))), put('b', doc(...paragraphs(4, 6)))]);
    index.take();

    await writer.write([put('a', doc(para(0)))]);
    expect(index.take()).toEqual([['delete', ['a#1', 'a#2']]]);
    expect([...(await memory.get('a#1')).keys()]).toEqual(['a#1#0', 'a#1#1']);

    await writer.write([del('a#1'), put('b', doc(para(0, 6), para(1, 9)))]);
    expect(index.take()).toEqual([
      ['delete', ['a#1#0', 'a#1#1']],
      ['upsert', ['b#1']],
      ['delete', ['b#2', 'b#3']],
    ]);

    expect(memory.entries()).toEqual(
      expectedEntries(
        new Map<string, string | null>([
          ['a', doc(para(0))],
          ['a#1', null],
          ['b', doc(para(0, 6), para(1, 9))],
        ]),
      ),
    );
  });

  it('one batch of interleaved records is applied in order, per document', async () => {
    const memory = new MemoryChunkIndex();
    const writer = writerOn(memory);
    const batch = [
      put('x', doc(...paragraphs(5))),
      put('y', doc(...paragraphs(2))),
      put('x', doc(...paragraphs(2, 1))),
      del('y'),
      put('y', doc(para(0, 8))),
      put('x', doc(...paragraphs(3))),
    ];
    await writer.write(batch);
    expect(memory.entries()).toEqual(expectedEntries(finalTexts(batch)));
    expect(memory.entries().map((c) => c.chunkId)).toEqual(['x#0', 'x#1', 'x#2', 'y#0']);
    expect(writer.stats()).toMatchObject({ documentsProcessed: 6, puts: 5, tombstones: 1 });
  });
});

describe('chunk-index sink: config and writer contract', () => {
  it('routes by document id with hash partitioning; parallelism and buckets pass through', () => {
    const index = new MemoryChunkIndex();
    const plain = chunkIndexSink({ index });
    expect(plain.name).toBe('chunk-index');
    expect(plain.parallelism).toBe(1);
    expect(plain.partition).toEqual({ strategy: 'hash', fields: ['documentId'] });

    const wide = chunkIndexSink({ index, parallelism: 4, buckets: 64, name: 'search' });
    expect(wide.name).toBe('search');
    expect(wide.parallelism).toBe(4);
    expect(wide.partition).toEqual({ strategy: 'hash', fields: ['documentId'], buckets: 64 });
  });

  it('rejects bad options and writer indexes outside 0..parallelism-1', () => {
    const index = new MemoryChunkIndex();
    const bad: Array<() => unknown> = [
      () => chunkIndexSink({ index, parallelism: 0 }),
      () => chunkIndexSink({ index, parallelism: 1.5 }),
      () => chunkIndexSink({ index, buckets: 0 }),
      () => chunkIndexSink({ index, chunkSize: 0 }),
      () => chunkIndexSink({ index, textField: '' }),
      () => chunkIndexSink({ index, parallelism: 2 }).open(2),
      () => chunkIndexSink({ index, parallelism: 2 }).open(-1),
    ];
    for (const make of bad) {
      let caught: unknown;
      try {
        make();
      } catch (error) {
        caught = error;
      }
      expect(isSluiceError(caught, 'invalid_options')).toBe(true);
    }
  });

  it('writers share the index, own disjoint documents and keep their own stats', async () => {
    const index = new MemoryChunkIndex();
    const sink = chunkIndexSink({ index, parallelism: 2 });
    const w0 = sink.open(0);
    const w1 = sink.open(1);
    await w0.write([put('p', doc(...paragraphs(3)))]);
    await w1.write([put('q', doc(...paragraphs(2))), put('q', doc(para(0)))]);
    expect(index.documentIds()).toEqual(['p', 'q']);
    expect(sink.writer(1)).toBe(w1);
    expect(sink.stats()).toEqual([
      expect.objectContaining({ writerIndex: 0, documentsProcessed: 1, chunksUpserted: 3, chunksDeleted: 0, chunksSkipped: 0 }),
      expect.objectContaining({ writerIndex: 1, documentsProcessed: 2, chunksUpserted: 2, chunksDeleted: 1, chunksSkipped: 1 }),
    ]);
  });

  it('records control events and barriers; flush and checkpoint flush the index', async () => {
    const index = new RecordingIndex(new MemoryChunkIndex());
    const writer = writerOn(index);
    await writer.onControl({ type: 'schema', collection: 'docs', fields: ['text'] });
    await writer.onControl({ type: 'flush' });
    await writer.checkpoint(7);
    await writer.checkpoint(8);
    expect(writer.controlEvents).toEqual([{ type: 'schema', collection: 'docs', fields: ['text'] }, { type: 'flush' }]);
    expect(writer.barriers).toEqual([7, 8]);
    expect(index.flushes).toBe(3);
    expect(writer.stats()).toMatchObject({ controlEvents: 2, lastBarrier: 8 });
  });

  it('a checkpoint resolves only after the writes issued before it have landed', async () => {
    const memory = new MemoryChunkIndex();
    const slow: ChunkIndex = {
      get: (id) => memory.get(id),
      upsert: async (chunks) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await memory.upsert(chunks);
      },
      delete: (chunkIds) => memory.delete(chunkIds),
    };
    const writer = writerOn(slow);
    const pending = writer.write([put('doc', doc(...paragraphs(4)))]);
    await writer.checkpoint(1);
    expect(memory.size).toBe(4);
    await pending;
  });

  it('ignores records of other collections when a collection is configured; reads a custom text field', async () => {
    const index = new MemoryChunkIndex();
    const writer = chunkIndexSink({ index, collection: 'articles', textField: 'body' }).open(0);
    await writer.write([
      putValue('n1', { body: doc(...paragraphs(2)) }, 'notes'),
      putValue('a1', { body: doc(...paragraphs(3)), text: 'ignored field' }, 'articles'),
      del('a1', 'notes'),
    ]);
    expect(index.entries().map((c) => c.chunkId)).toEqual(ids('a1', 0, 3));
    expect(index.entries()[0]!.text).toBe(para(0));
    expect(writer.stats()).toMatchObject({ recordsIgnored: 2, documentsProcessed: 1 });
  });

  it('a closed writer refuses further writes', async () => {
    const writer = writerOn(new MemoryChunkIndex());
    await writer.close();
    await expect(writer.write([put('doc', 'x')])).rejects.toSatisfy((e: unknown) => isSluiceError(e, 'store_closed'));
  });
});
