/** The demo's collections in primary: the shared list, and the tab-to-tab latency probes. */
export const ITEMS = 'items';
export const PROBES = 'probes';
