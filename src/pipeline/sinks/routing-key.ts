import { SluiceError } from '../../core/errors.ts';
import { isPlainObject } from '../../core/json.ts';
import type { SinkRecord } from './sink-api.ts';

/**
 * Canonical routing keys.
 *
 * Fields: `documentId` (the record's key), `collection`, or `value.a.b` (a path into the document
 * value, through plain objects only). A component is a string as is, or a finite number / boolean
 * as its JSON text; anything else (missing, null, object, array) cannot route. One field gives its
 * component alone, so `['documentId']` hashes exactly the document id; several fields give the JSON
 * array of components, which cannot be confused with another split of the same text.
 *
 * The sink runner routes only on `documentId` and `collection` (see `validateRoutingFields`); value
 * paths are resolved here so the rule is stated and tested in one place, and refused there.
 */

export type RoutingField =
  | { readonly kind: 'documentId'; readonly name: string }
  | { readonly kind: 'collection'; readonly name: string }
  | { readonly kind: 'value'; readonly name: string; readonly path: readonly string[] };

export type RoutingKeyFn = (record: SinkRecord) => string;

export function parseRoutingField(name: unknown): RoutingField {
  if (name === 'documentId' || name === 'collection') return { kind: name, name };
  if (typeof name === 'string' && name.startsWith('value.')) {
    const path = name.slice('value.'.length).split('.');
    if (path.every((segment) => segment.length > 0)) return { kind: 'value', name, path };
  }
  throw new SluiceError(
    'invalid_options',
    `Unknown routing field ${JSON.stringify(name)}: use "documentId", "collection" or a value path like "value.tenant".`,
    { field: name },
  );
}

export function compileRoutingKey(fields: readonly string[]): RoutingKeyFn {
  if (fields.length === 0) throw new SluiceError('invalid_options', 'A hash partition needs at least one routing field, e.g. ["documentId"].', { field: 'partition.fields' });
  const parsed = fields.map(parseRoutingField);
  if (parsed.length === 1) {
    const only = parsed[0]!;
    return (record) => component(record, only);
  }
  return (record) => JSON.stringify(parsed.map((field) => component(record, field)));
}

export function routingKey(record: SinkRecord, fields: readonly string[]): string {
  return compileRoutingKey(fields)(record);
}

function component(record: SinkRecord, field: RoutingField): string {
  if (typeof record !== 'object' || record === null) throw unroutable(field, 'the record is not an object');
  switch (field.kind) {
    case 'documentId':
      return nonEmptyString(record.key, field, 'the record has no key (SinkRecord.key)');
    case 'collection':
      return nonEmptyString(record.collection, field, 'the record has no collection');
    case 'value':
      return valueComponent(record, field);
  }
}

function nonEmptyString(value: unknown, field: RoutingField, missing: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw unroutable(field, value === undefined || value === null ? missing : `expected a non-empty string, got ${describe(value)}`);
}

function valueComponent(record: SinkRecord, field: RoutingField & { kind: 'value' }): string {
  if (record.op === 'delete') throw unroutable(field, 'a delete carries no value, so a value field cannot route it');
  let at: unknown = record.value;
  for (const segment of field.path) {
    if (!isPlainObject(at) || !Object.hasOwn(at, segment)) throw unroutable(field, 'the field is missing from the document value');
    at = at[segment];
  }
  if (typeof at === 'string') return at;
  if (typeof at === 'boolean') return at ? 'true' : 'false';
  if (typeof at === 'number' && Number.isFinite(at)) return JSON.stringify(at);
  throw unroutable(field, `expected a string, finite number or boolean, got ${describe(at)}`);
}

/** Thrown per record; the runner turns it into a dead letter carrying `field` and `reason`. */
function unroutable(field: RoutingField, reason: string): SluiceError {
  return new SluiceError('invalid_payload', `Cannot route record on ${JSON.stringify(field.name)}: ${reason}.`, { field: field.name, reason });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
}
