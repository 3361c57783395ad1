export interface HeavyHitter {
  readonly key: string;
  /** Upper bound on the key's true count. */
  readonly count: number;
  /** How much of `count` may belong to keys this slot held before (count − error ≤ true count). */
  readonly error: number;
}

/**
 * Space-saving top-K sketch (Metwally et al.): K counters, O(K) memory whatever the key cardinality.
 * Any key with more than N/K occurrences is guaranteed to hold a counter, which is what a hot-key
 * report needs; exact counts for every key would grow with the key space.
 */
export class SpaceSaving {
  private readonly slots = new Map<string, { count: number; error: number }>();

  constructor(private readonly k: number) {}

  add(key: string): void {
    const slot = this.slots.get(key);
    if (slot) {
      slot.count++;
      return;
    }
    if (this.slots.size < this.k) {
      this.slots.set(key, { count: 1, error: 0 });
      return;
    }
    let minKey = '';
    let min = Infinity;
    for (const [k, s] of this.slots) {
      if (s.count < min) {
        min = s.count;
        minKey = k;
      }
    }
    this.slots.delete(minKey);
    this.slots.set(key, { count: min + 1, error: min });
  }

  top(): HeavyHitter[] {
    return [...this.slots]
      .map(([key, s]) => ({ key, count: s.count, error: s.error }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
