interface ListenerTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

function hasListeners(value: unknown): value is ListenerTarget {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<ListenerTarget>).addEventListener === 'function' &&
    typeof (value as Partial<ListenerTarget>).removeEventListener === 'function'
  );
}

/**
 * Flushes `buffer` when a browser page may be going away: on `pagehide`, and on `visibilitychange`
 * to hidden (the last event mobile browsers reliably fire before killing a background tab).
 * `flush()` hands batches to the sink synchronously, so they leave the page before it freezes.
 *
 * `target` is the window (default `globalThis`). `visibilitychange` fires at the document, so it is
 * watched on `target.document` when there is one, else on `target` itself (a Document passed as
 * target). Where `target` has no `addEventListener` (Node), or these events never fire (workers,
 * Deno, Bun), this is a harmless no-op. Returns the unsubscribe function.
 */
export function flushOnPageHide(buffer: { flush(): Promise<void> }, target: unknown = globalThis): () => void {
  if (!hasListeners(target)) return () => {};
  const doc = (target as { document?: unknown }).document;
  const visibilitySource = hasListeners(doc) ? doc : target;
  const flush = (): void => {
    // AppendBuffer.flush never rejects; the catch keeps another flushable from raising an unhandled rejection.
    buffer.flush().catch(() => {});
  };
  const onVisibilityChange = (): void => {
    if ((visibilitySource as { visibilityState?: unknown }).visibilityState === 'hidden') flush();
  };
  target.addEventListener('pagehide', flush);
  visibilitySource.addEventListener('visibilitychange', onVisibilityChange);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    target.removeEventListener('pagehide', flush);
    visibilitySource.removeEventListener('visibilitychange', onVisibilityChange);
  };
}
