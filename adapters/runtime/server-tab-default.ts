/** Outside browsers there are no tabs to share with: each node runs its own pipelines (NodeOptions.tabs). */
export const DEFAULT_TABS: 'shared' | 'own' = 'own';
