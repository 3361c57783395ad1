/** In a browser, a dataset runs once per origin and every tab shares it (NodeOptions.tabs). */
export const DEFAULT_TABS: 'shared' | 'own' = 'shared';
