/*
 * The hub's own counts, read from the demo server (which asks the hub's metrics endpoint): what
 * actually reached the hub's storage, per dataset, from every tab.
 */

export interface HubDatasetCounts {
  readonly recordsStored: number;
  readonly entriesIn: number;
  readonly health: { readonly status: string; readonly reason: string };
}

export interface HubCounts {
  readonly at: number;
  readonly connections: number;
  readonly datasets: Record<string, HubDatasetCounts>;
}

export async function readHubCounts(): Promise<HubCounts | null> {
  try {
    const response = await fetch(new URL('hub-metrics', location.href), { cache: 'no-store' });
    if (!response.ok) return null;
    return (await response.json()) as HubCounts;
  } catch {
    return null;
  }
}
