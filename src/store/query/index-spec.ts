import { SluiceError } from '../../core/errors.ts';
import { preview } from '../../core/option-checks.ts';
import { parseField } from './query-spec.ts';

/**
 * An index declared on a collection: `'status'` or `['project', 'updatedAt']`. Its name is its
 * fields joined by '+', which is what `explain()` reports.
 */
export interface IndexSpec {
  readonly name: string;
  readonly fields: readonly string[];
  readonly paths: readonly (readonly string[])[];
}

export const INDEX_LIMITS = { perCollection: 16, fields: 4 } as const;

/** Checks `indexes` from `collection(name, { indexes })`; duplicates are dropped. */
export function normalizeIndexes(value: unknown, field = 'indexes'): IndexSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > INDEX_LIMITS.perCollection) {
    throw new SluiceError('invalid_options', `${field} must be an array of at most ${INDEX_LIMITS.perCollection} indexes, each a field name or a list of up to ${INDEX_LIMITS.fields} field names (e.g. ['status', ['project', 'updatedAt']]); got ${preview(value)}.`, { field });
  }
  const out = new Map<string, IndexSpec>();
  for (const [i, entry] of (value as unknown[]).entries()) {
    const fields = typeof entry === 'string' ? [entry] : entry;
    if (!Array.isArray(fields) || fields.length === 0 || fields.length > INDEX_LIMITS.fields) {
      throw new SluiceError('invalid_options', `${field}[${i}] must be a field name or a list of 1 to ${INDEX_LIMITS.fields} field names, got ${preview(entry)}.`, { field: `${field}[${i}]` });
    }
    const paths = (fields as unknown[]).map((f) => parseField(f, `${field}[${i}]`));
    const names = paths.map((p) => p.join('.'));
    if (new Set(names).size !== names.length) {
      throw new SluiceError('invalid_options', `${field}[${i}] names a field twice (${names.join(', ')}).`, { field: `${field}[${i}]` });
    }
    const name = names.join('+');
    out.set(name, { name, fields: names, paths });
  }
  return [...out.values()];
}

/** Rebuilds specs that crossed a message channel or were read back from storage as field lists. */
export function indexFromFields(fields: readonly string[]): IndexSpec {
  return { name: fields.join('+'), fields, paths: fields.map((f) => f.split('.')) };
}
