import { SluiceError } from './errors.ts';
import { boundedValue, preview } from './option-checks.ts';

/** Collections become SQLite values, IndexedDB keys and log fields: keep them plain. */
const COLLECTION_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const MAX_KEY_LENGTH = 512;

/** `field` names the argument or option the name came from, for `details.field`. */
export function assertCollection(value: unknown, field?: string): string {
  if (typeof value !== 'string' || !COLLECTION_PATTERN.test(value)) {
    throw new SluiceError(
      'invalid_collection',
      `Invalid collection name ${preview(value)}${field === undefined || field === 'name' ? '' : ` (${field})`}: use 1-64 characters of A-Z, a-z, 0-9, '_', '.' or '-', starting with a letter or '_'.`,
      { value: boundedValue(value), ...(field === undefined ? {} : { field }) },
    );
  }
  return value;
}

/**
 * Keys are free-form text, but must survive UTF-8 round trips (no lone surrogates) and C-string
 * based tooling (no NUL), and stay short enough to index.
 */
export function assertKey(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    throw new SluiceError('invalid_key', `Invalid document key ${describe(value)}: use a non-empty string of at most ${MAX_KEY_LENGTH} characters.`, { value: describe(value) });
  }
  if (value.includes('\u0000') || !isWellFormed(value)) {
    throw new SluiceError('invalid_key', `Invalid document key ${JSON.stringify(value)}: it contains a NUL character or an unpaired UTF-16 surrogate. Use well-formed text.`, {});
  }
  return value;
}

export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
