import { SluiceError } from '../../core/errors.ts';

/**
 * Builds an opener for a worker file from one factory per descriptor kind, e.g.
 * `openByKind({ sqlite: sqliteStorage, memory: memoryStorage })`. A descriptor is the adapter's own
 * options plus its `kind` (see `describe()`), so each factory receives it as its options.
 */
export function openByKind<D extends { readonly kind: string }, T>(factories: Readonly<Record<string, (descriptor: D) => T>>, what = 'storage'): (descriptor: D) => T {
  return (descriptor) => {
    const factory = Object.hasOwn(factories, descriptor.kind) ? factories[descriptor.kind] : undefined;
    if (!factory) {
      throw new SluiceError(
        'invalid_options',
        `This dataset worker cannot open ${what} of kind "${descriptor.kind}" (it knows ${Object.keys(factories).join(', ')}): give the dataset a worker file of your own that opens it (see sluice/worker), or use worker: false.`,
        { kind: descriptor.kind },
      );
    }
    return factory(descriptor);
  };
}
