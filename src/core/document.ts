import type { Hlc } from './hlc.ts';
import type { JsonValue } from './json.ts';

/**
 * The current state of `(dataset, collection, key)`. A deleted document stays as a tombstone
 * (`deleted: true`, `value: null`) so that an older put arriving late cannot resurrect it.
 */
export interface StoredDocument {
  readonly collection: string;
  readonly key: string;
  readonly value: JsonValue | null;
  /** Newest change folded into this state. */
  readonly hlc: Hlc;
  readonly deleted: boolean;
  /** Resolver-private state (e.g. per-field clocks of the JSON merge). Storage keeps it opaque. */
  readonly meta?: JsonValue | null;
}

/*
 * The JSON text a document's value was parsed from, when a resolver built it from an entry's
 * payload (already checked: hashed, size- and depth-bounded). Storage writes that text instead of
 * serialising the value again. Kept beside the document rather than in it, so documents stay plain
 * data for apps and workers.
 */
const valueTexts = new WeakMap<StoredDocument, string>();

export function withValueText<D extends StoredDocument>(document: D, text: string): D {
  valueTexts.set(document, text);
  return document;
}

export function valueTextOf(document: StoredDocument): string | undefined {
  return valueTexts.get(document);
}

/**
 * A live document whose value is the JSON text of a checked payload, parsed on first read. Storage
 * writes the text (valueTextOf), so a document nobody reads (a replica catching up on 100k pulled
 * entries) is never parsed; a change listener or a sink that reads `value` parses it once. `value`
 * is an own enumerable accessor: spreads, JSON.stringify and structured clone read it like data.
 */
export function documentFromText(collection: string, key: string, text: string, hlc: Hlc): StoredDocument {
  let parsed = false;
  let value: JsonValue | null = null;
  return withValueText(
    {
      collection,
      key,
      get value(): JsonValue | null {
        if (!parsed) {
          value = JSON.parse(text) as JsonValue;
          parsed = true;
        }
        return value;
      },
      hlc,
      deleted: false,
    },
    text,
  );
}
