// A second node, from the installed package: syncs with the hub until it has what the quick start
// wrote, then prints one JSON line { todos, logs }. argv: <hub url> [logs]
import { createNode } from 'sluice';
import { memoryStorage } from 'sluice/memory';
import { websocket } from 'sluice/websocket';

const [url, withLogs] = process.argv.slice(2);
const node = await createNode({
  nodeId: `checker-${process.pid}`,
  storage: memoryStorage(),
  peers: [websocket(url)],
  // Telemetry uploads only by default; a checker reads the hub's records, so it pulls.
  datasets: { primary: {}, ...(withLogs ? { logs: { kind: 'append', direction: 'pull' } } : {}) },
});
let seen = { todos: [], logs: [] };
for (let attempt = 0; attempt < 150; attempt++) {
  await node.syncNow();
  const todos = await node.collection('todos').all();
  const logs = withLogs ? (await node.dataset('logs').records()).records : [];
  seen = { todos, logs };
  if (todos.length > 0 && (!withLogs || logs.length > 0)) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
console.log(JSON.stringify(seen));
await node.close();
