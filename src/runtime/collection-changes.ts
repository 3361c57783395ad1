import type { CollectionChange } from './collection.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import type { DocumentChange } from './pipeline/pipeline-api.ts';

/**
 * Subscribes to one collection's committed changes. The dataset's pipeline has one change
 * listener, installed while anything listens; each subscriber gets its own collection's changes.
 */
export function listenToCollection(slot: DatasetSlot, name: string, listener: (changes: CollectionChange[]) => void): () => void {
  const pipeline = slot.pipeline;
  const forward = (changes: DocumentChange[]) => {
    const mine = changes.filter((c) => c.collection === name).map(({ key, value, origin }) => ({ key, value, origin }));
    if (mine.length > 0) listener(mine);
  };
  if (slot.listeners.size === 0) {
    void pipeline.setChangeListener((changes) => {
      for (const l of slot.listeners) {
        try {
          l(changes);
        } catch {
          // one subscriber's bug must not starve the others
        }
      }
    });
  }
  slot.listeners.add(forward);
  return () => {
    slot.listeners.delete(forward);
    if (slot.listeners.size === 0) void pipeline.setChangeListener(null).catch(() => undefined);
  };
}
