/** The built-in resolvers' names, which collections may name in options; the resolvers themselves are in registry.ts. */
export const BUILT_IN_RESOLVERS = ['last-write-wins', 'json-merge'] as const;
export type BuiltInResolverName = (typeof BUILT_IN_RESOLVERS)[number];

export function isBuiltInResolverName(name: string): name is BuiltInResolverName {
  return (BUILT_IN_RESOLVERS as readonly string[]).includes(name);
}
