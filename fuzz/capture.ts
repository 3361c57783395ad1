import type { Corpus, CapturedFrame } from './corpus.ts';
import { APPEND_DATASETS, errorText, TODOS, type HonestClient } from './honest-clients.ts';
import type { HonestLedger } from './honest-ledger.ts';
import type { FrameRecorder } from './recording-connector.ts';

/*
 * One scripted honest session against the fresh hub, recorded frame by frame: writes, a delete,
 * append batches on both append datasets, and syncs in both directions, so the corpus holds
 * handshakes, vector clocks, pulls with and without `since`, pushes, change sets and acks for every
 * dataset. Recording stops afterwards: the corpus stays the same for the whole run, which keeps the
 * fuzzer's choices reproducible from the seed.
 */
export async function captureSession(a: HonestClient, b: HonestClient, ledger: HonestLedger, recorder: FrameRecorder): Promise<Corpus> {
  recorder.enabled = true;
  const docs = [0, 1, 2].map((i) => ({ key: `c-${a.name}-${i}`, value: { title: `captured ${i}`, done: i % 2 === 0, tags: ['x', i] } }));
  for (const d of docs) ledger.expectPut('primary', a.nodeId, TODOS, d.key, d.value);
  await a.node.collection(TODOS).putMany(docs);
  const single = { title: 'single put', nested: { n: 1, list: [1, 2, 3] } };
  ledger.expectPut('primary', a.nodeId, TODOS, `c-${a.name}-single`, single);
  await a.node.collection(TODOS).put(`c-${a.name}-single`, single);
  ledger.expectDelete('primary', a.nodeId, TODOS, docs[1]!.key);
  await a.node.collection(TODOS).delete(docs[1]!.key);
  await appendSome(a, ledger, 'capture-a', 3);
  await expectSynced(a, 'capture: first push');
  await expectSynced(b, 'capture: first pull');

  const fromB = { title: `from ${b.name}` };
  ledger.expectPut('primary', b.nodeId, TODOS, `c-${b.name}-0`, fromB);
  await b.node.collection(TODOS).put(`c-${b.name}-0`, fromB);
  await appendSome(b, ledger, 'capture-b', 2);
  await expectSynced(b, 'capture: second push');
  await expectSynced(a, 'capture: second pull');
  recorder.enabled = false;

  // Datasets sync concurrently, so frames of different connections interleave by timing. Grouped by
  // node and dataset (a stable sort keeps each connection's own order), the corpus is the same from
  // run to run and the seed picks the same frames.
  const frames = [...recorder.frames].sort((x, y) => (x.nodeId === y.nodeId ? (x.datasetId < y.datasetId ? -1 : x.datasetId > y.datasetId ? 1 : 0) : x.nodeId < y.nodeId ? -1 : 1));
  const handshakes: CapturedFrame[] = [];
  for (const f of frames) {
    if (f.direction === 'out' && f.kind === 'handshakeRequest' && !handshakes.some((h) => h.nodeId === f.nodeId && h.datasetId === f.datasetId)) handshakes.push(f);
  }
  return { frames, handshakes };
}

async function appendSome(client: HonestClient, ledger: HonestLedger, label: string, n: number): Promise<void> {
  for (const ds of APPEND_DATASETS) {
    const records = Array.from({ length: n }, (_, i) => ({ id: `${client.nodeId}-${ds}-${label}-${i}`, level: i === 0 ? 'warn' : 'info', msg: `captured record ${i}`, value: i * 1.5 }));
    ledger.expectRecords(ds, client.nodeId, records.map((r) => r.id));
    for (const r of records) await client.node.dataset(ds).append(r);
    await client.node.dataset(ds).flush();
  }
}

async function expectSynced(client: HonestClient, what: string): Promise<void> {
  let reports;
  try {
    reports = await client.node.syncNow();
  } catch (error) {
    throw new Error(`${what}: ${client.name} could not sync with the fresh hub: ${errorText(error)}`);
  }
  const bad = reports.flatMap((r) => r.peers.filter((p) => !p.ok).map((p) => `${r.datasetId}: ${p.code}: ${p.error}`));
  if (bad.length > 0) throw new Error(`${what}: ${client.name} could not sync with the fresh hub, so there is nothing to fuzz from: ${bad.join(' | ')}`);
}
