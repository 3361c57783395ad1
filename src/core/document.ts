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

/**
 * A live document whose value is the JSON text of a checked payload (hashed, size- and
 * depth-bounded), parsed on first read. Storage writes the text (valueTextOf) instead of serialising
 * the value again, so a document nobody reads (a replica catching up on 100k pulled entries) is never
 * parsed, and a change listener that reads `value` parses it once.
 *
 * A class rather than a map beside plain objects: a WeakMap entry or an accessor in an object
 * literal costs more per document than the parse it saves. `value` lives on the prototype, so a
 * spread copy (`{ ...doc }`) has no value, and neither has a structured clone: these documents go
 * only from last-write-wins to storage and to the change listener, which reads `value` by name.
 */
class TextDocument implements StoredDocument {
  readonly deleted = false;
  readonly #text: string;
  #value: JsonValue | null = null;
  #parsed = false;

  constructor(
    readonly collection: string,
    readonly key: string,
    text: string,
    readonly hlc: Hlc,
  ) {
    this.#text = text;
  }

  get value(): JsonValue | null {
    if (!this.#parsed) {
      this.#value = JSON.parse(this.#text) as JsonValue;
      this.#parsed = true;
    }
    return this.#value;
  }

  /** JSON.stringify sees own fields only, and `value` is not one. */
  toJSON(): StoredDocument {
    return { collection: this.collection, key: this.key, value: this.value, hlc: this.hlc, deleted: false };
  }

  static textOf(document: StoredDocument): string | undefined {
    return document instanceof TextDocument ? document.#text : undefined;
  }
}

export function documentFromText(collection: string, key: string, text: string, hlc: Hlc): StoredDocument {
  return new TextDocument(collection, key, text, hlc);
}

/** The checked JSON text a document's value is, when it was built from an entry's payload. */
export function valueTextOf(document: StoredDocument): string | undefined {
  return TextDocument.textOf(document);
}
