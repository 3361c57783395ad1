import { isValidDatasetId, isValidSegment, MAX_SEGMENTS, type DatasetId } from './dataset-id.ts';
import { SluiceError } from './errors.ts';

/**
 * A hub's template of datasets made per identity: `user/{sub}`, `team/{team}`, `board/{team}/main`.
 * Each `{claim}` segment is filled from the verified token's claim of that name (a string, or each
 * string of an array), so a principal's datasets come from who it is, never from what it asks for.
 */
export interface DatasetTemplate {
  /** As written in the hub's options, e.g. `user/{sub}`. */
  readonly pattern: string;
  readonly name: string;
  readonly segments: readonly Segment[];
}

type Segment = { readonly literal: string } | { readonly claim: string };

const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/;
/** A template makes at most this many datasets for one token: a token cannot make a grant cost without bound. */
const MAX_INSTANCES = 1_000;

export function isTemplatePattern(key: string): boolean {
  return key.includes('{');
}

/** Parses `user/{sub}`; a bad pattern is `invalid_options` naming it (`datasets.<pattern>`). */
export function parseTemplate(pattern: string): DatasetTemplate {
  const field = `datasets.${pattern}`;
  const [name, ...parts] = pattern.split('/');
  const segments: Segment[] = parts.map((part) => {
    const placeholder = PLACEHOLDER.exec(part);
    return placeholder ? { claim: placeholder[1]! } : { literal: part };
  });
  // A literal stand-in for each placeholder must make a valid id: the pattern then checks as an id would.
  const sample = [name, ...segments.map((s) => ('claim' in s ? 'x' : s.literal))].join('/');
  if (!isValidDatasetId(sample) || segments.length === 0 || !segments.some((s) => 'claim' in s)) {
    throw new SluiceError(
      'invalid_options',
      `${field} is not a dataset template: write a dataset name, then up to ${MAX_SEGMENTS} segments of which at least one is a {claim} placeholder, e.g. "user/{sub}" or "team/{team}".`,
      { field },
    );
  }
  return { pattern, name: name!, segments };
}

/** Whether `datasetId` is an instance of the template (whoever it belongs to). */
export function isInstanceOf(template: DatasetTemplate, datasetId: DatasetId): boolean {
  const [name, ...parts] = datasetId.split('/');
  return name === template.name && parts.length === template.segments.length && template.segments.every((s, i) => 'claim' in s || s.literal === parts[i]);
}

/**
 * The template's datasets for these verified claims: one per value of each placeholder's claim (a
 * string, or the strings of an array). A value that is not one valid segment makes no dataset: a
 * claim holding '/' must not reach into another template's datasets.
 */
export function instancesFor(template: DatasetTemplate, claims: Readonly<Record<string, unknown>>): DatasetId[] {
  let ids: string[][] = [[template.name]];
  for (const segment of template.segments) {
    const values = 'literal' in segment ? [segment.literal] : claimValues(claims[segment.claim]);
    ids = ids.flatMap((prefix) => values.map((v) => [...prefix, v])).slice(0, MAX_INSTANCES);
  }
  return ids.map((parts) => parts.join('/'));
}

function claimValues(value: unknown): string[] {
  if (isValidSegment(value)) return [value];
  if (Array.isArray(value)) return value.slice(0, MAX_INSTANCES).filter(isValidSegment);
  return [];
}
