// Two nodes from the installed package sync one document through an edge hub, then print one JSON
// line { seen, hubId }. argv: <hub url> <token>
import { createNode } from 'sluice';
import { memoryStorage } from 'sluice/memory';
import { websocket } from 'sluice/websocket';

const [url, token] = process.argv.slice(2);
const open = (nodeId) => createNode({ nodeId, storage: memoryStorage(), peers: [websocket(url, { token })] });
const writer = await open(`edge-writer-${process.pid}`);
const reader = await open(`edge-reader-${process.pid}`);
await writer.collection('todos').put('t1', { title: 'through the edge' });
let seen;
for (let attempt = 0; attempt < 150 && seen === undefined; attempt++) {
  await reader.syncNow();
  seen = await reader.collection('todos').get('t1');
  if (seen === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
}
const hubId = (await reader.metrics()).primary.peers[0].peerNodeId;
console.log(JSON.stringify({ seen, hubId }));
await writer.close();
await reader.close();
