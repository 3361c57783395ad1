// A backend process from the installed package: a node over the hubs' PostgreSQL, with an id of
// its own, writes one document and exits. argv: <postgres url> <node id>
import { createNode } from 'sluice';
import { postgresStorage } from 'sluice/postgres';

const [url, nodeId] = process.argv.slice(2);
const node = await createNode({ nodeId, storage: postgresStorage({ url }), datasets: { primary: { worker: false } } });
await node.collection('todos').put(nodeId, { from: nodeId });
await node.close();
console.log(`${nodeId} wrote`);
