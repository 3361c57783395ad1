/*
 * Each open tab runs its own node, and a node needs storage of its own (its identity and hash
 * chains live there). The first tab uses the IndexedDB database "sluice-demo"; further tabs claim
 * "sluice-demo-2", "-3", … through Web Locks held for the tab's lifetime, so a closed tab's
 * database (and identity) is reused by the next tab that opens.
 */
export interface TabSlot {
  /** 1 for the first tab. */
  readonly index: number;
  readonly storageName: string;
  readonly label: string;
}

const BASE = 'sluice-demo';

export async function claimTabSlot(maxSlots = 32): Promise<TabSlot> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return slot(1 + Math.floor(Math.random() * 1000));
  for (let index = 1; index <= maxSlots; index++) {
    const got = await new Promise<boolean>((resolve) => {
      void locks.request(`${BASE}-slot-${index}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise<void>(() => undefined); // held until the tab goes away
      });
    });
    if (got) return slot(index);
  }
  return slot(maxSlots + 1 + Math.floor(Math.random() * 1000));
}

function slot(index: number): TabSlot {
  return { index, storageName: index === 1 ? BASE : `${BASE}-${index}`, label: `tab ${index}` };
}
