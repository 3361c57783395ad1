/*
 * sluice/react in a page: a live list (useQuery), one document (useDocument) and the connection
 * state (useSyncStatus), rendered under StrictMode by React from npm. No JSX, so the page builds
 * with Vite's defaults and no plugin.
 */
import { createElement as h, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createNode } from 'sluice';
import { dexieStorage } from 'sluice/dexie';
import { useDocument, useQuery, useSyncStatus } from 'sluice/react';
import { websocket } from 'sluice/websocket';

interface Todo {
  title: string;
  done: boolean;
}

declare global {
  interface Window {
    __react?: { put(key: string, value: Todo): Promise<void>; renders(): number };
    __reactError?: string;
  }
}

const hub = new URL(location.href).searchParams.get('hub');

async function main(): Promise<void> {
  if (!hub) throw new Error('react.html needs ?hub=ws://127.0.0.1:<port>');
  const node = await createNode({ storage: dexieStorage({ name: 'sluice-react' }), peers: [websocket(hub)], metricsIntervalMs: 100 });
  const todos = node.collection<Todo>('todos', { indexes: ['done'] });
  let renders = 0;

  function App() {
    renders++;
    const { documents, loading } = useQuery(todos, { where: { done: false }, orderBy: 'title' });
    const first = useDocument(todos, 't1');
    const { online } = useSyncStatus(node);
    return h(
      'main',
      null,
      h('ul', { 'data-testid': 'open', 'data-loading': String(loading) }, documents.map((d) => h('li', { key: d.key }, d.value.title))),
      h('p', { 'data-testid': 't1' }, first.value ? `${first.value.title}${first.value.done ? ' (done)' : ''}` : '-'),
      h('p', { 'data-testid': 'status' }, online ? 'online' : 'offline'),
    );
  }

  createRoot(document.getElementById('root')!).render(h(StrictMode, null, h(App)));
  window.__react = { put: (key, value) => todos.put(key, value), renders: () => renders };
}

main().catch((error: unknown) => {
  window.__reactError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
});
