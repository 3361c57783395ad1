import { SluiceError } from '../errors.ts';
import { assertCollection } from '../names.ts';
import { jsonMerge } from './json-merge.ts';
import { lastWriteWins } from './last-write-wins.ts';
import type { ConflictResolver } from './resolver.ts';
import type { BuiltInResolverName } from './built-in-names.ts';

export type ResolverSpec = BuiltInResolverName | ConflictResolver;

const BUILT_IN: Record<BuiltInResolverName, ConflictResolver> = {
  'last-write-wins': lastWriteWins,
  'json-merge': jsonMerge,
};

/** The built-in resolver of that name, if there is one. */
export function builtInResolver(name: string): ConflictResolver | undefined {
  return Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name as BuiltInResolverName] : undefined;
}

/** Resolvers are chosen per collection; collections not named use the default (last-write-wins). */
export class ResolverRegistry {
  private readonly byCollection = new Map<string, ConflictResolver>();
  readonly fallback: ConflictResolver;

  constructor(perCollection: Record<string, ResolverSpec> = {}, fallback: ResolverSpec = lastWriteWins) {
    this.fallback = toResolver(fallback, '(default)');
    for (const [collection, spec] of Object.entries(perCollection)) {
      this.byCollection.set(assertCollection(collection), toResolver(spec, collection));
    }
  }

  for(collection: string): ConflictResolver {
    return this.byCollection.get(collection) ?? this.fallback;
  }
}

function toResolver(spec: ResolverSpec, collection: string): ConflictResolver {
  if (typeof spec === 'string') {
    const found = builtInResolver(spec);
    if (found) return found;
  } else if (spec && typeof spec.fromEntry === 'function' && typeof spec.merge === 'function') {
    return spec;
  }
  throw new SluiceError(
    'invalid_options',
    `Unknown conflict resolver for collection "${collection}": use "last-write-wins", "json-merge" or an object with fromEntry() and merge().`,
    { collection },
  );
}
