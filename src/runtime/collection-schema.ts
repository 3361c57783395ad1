import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SluiceError } from '../core/errors.ts';
import { boundedValue, invalidOption, preview } from '../core/option-checks.ts';
import type { Collection } from './collection.ts';
import { normalizeIndexes, type IndexSpec } from '../store/query/index-spec.ts';

/** What `collection(name, options)` takes. */
export interface CollectionOptions<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> {
  /**
   * Any Standard Schema validator (zod, valibot, arktype, ...). Every put is validated by it and
   * stores what it outputs; a value it refuses is a `schema_violation` and nothing is written.
   */
  readonly schema?: S;
  /**
   * Query indexes: field names, or lists of them for compound indexes, e.g.
   * `['status', ['project', 'updatedAt']]`. Dotted names reach nested fields.
   */
  readonly indexes?: readonly (string | readonly string[])[];
}

/** Reads return the schema's output type, writes take its input type. */
export type SchemaCollection<S extends StandardSchemaV1> = Collection<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>>;

/** Issues reported per refused value: enough to act on, bounded whatever the validator returns. */
const MAX_ISSUES = 20;
const MAX_MESSAGE = 200;

export function assertCollectionOptions(options: unknown): { schema?: StandardSchemaV1; indexes: IndexSpec[] } {
  if (options === undefined) return { indexes: [] };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption('options', 'an object like { schema, indexes }', options, 'pass collection(name, { schema, indexes }) or collection(name)');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'schema' && key !== 'indexes') throw new SluiceError('invalid_options', `collection(): unknown option "${key.slice(0, 40)}": the options are { schema, indexes }.`, { field: key.slice(0, 40) });
  }
  const schema = (options as { schema?: unknown }).schema;
  if (schema !== undefined && typeof (schema as Partial<StandardSchemaV1> | null)?.['~standard']?.validate !== 'function') {
    throw invalidOption('schema', 'a Standard Schema validator (zod, valibot, arktype: anything with ["~standard"].validate)', schema, 'pass the schema object itself, e.g. z.object({ title: z.string() })');
  }
  const indexes = normalizeIndexes((options as { indexes?: unknown }).indexes);
  return schema === undefined ? { indexes } : { schema: schema as StandardSchemaV1, indexes };
}

/** The schema's output for `value`, or a `schema_violation` naming the collection, the key and each issue. */
export async function validateDocument(schema: StandardSchemaV1, collection: string, key: string, value: unknown): Promise<unknown> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues === undefined) return result.value;
  const issues = result.issues.slice(0, MAX_ISSUES).map((issue) => ({ path: pathOf(issue.path), message: String(issue.message).slice(0, MAX_MESSAGE) }));
  const first = issues[0];
  throw new SluiceError(
    'schema_violation',
    `${collection}/${key.slice(0, 60)} does not match the collection's schema${first ? ` (${first.path || 'value'}: ${first.message})` : ''}: nothing was written. Fix the value, or the schema.`,
    { collection, key: boundedValue(key), issues, value: preview(value) },
  );
}

function pathOf(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return '';
  return path
    .slice(0, 20)
    .map((segment) => String(typeof segment === 'object' && segment !== null ? (segment as StandardSchemaV1.PathSegment).key : segment))
    .join('.')
    .slice(0, MAX_MESSAGE);
}
