import { SluiceError } from './errors.ts';

/*
 * Checks for options at the public boundary (createNode, websocket(), webTransport(), listen()).
 * Each failure is a SluiceError('invalid_options') whose `details.field` names the option, and
 * whose message names it too, says what was given and what to pass instead. They run once, when
 * the options are handed in, never on a hot path.
 */

/** A short, bounded description of any value for an error message: never the whole of a huge string. */
export function preview(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      return Object.prototype.toString.call(value) === '[object Object]' ? 'an object' : Object.prototype.toString.call(value);
  }
}

/** A value to keep in error details: long strings are cut, so an error never holds (or copies across a worker) megabytes. */
export function boundedValue(value: unknown): unknown {
  return typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…` : value;
}

/** `field` must be `problem`, got `value`: `fix`. */
export function invalidOption(field: string, problem: string, value: unknown, fix?: string): SluiceError {
  return new SluiceError('invalid_options', `${field} must be ${problem}, got ${preview(value)}${fix ? `: ${fix}` : ''}.`, { field });
}

export interface IntegerBounds {
  readonly min: number;
  readonly max: number;
  /** What the number counts, for the message: 'ms', 'bytes', ... */
  readonly unit?: string;
  /** A value outside [min, max] that is allowed too, e.g. 0 for "off". */
  readonly also?: number;
  /** What to do instead, e.g. 'leave it out for the default 15000'. */
  readonly fix?: string;
}

/** An integer in [min, max] (or `also`), or undefined when left out. */
export function optionalInteger(value: unknown, field: string, bounds: IntegerBounds): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && ((value >= bounds.min && value <= bounds.max) || value === bounds.also)) return value;
  const unit = bounds.unit ? ` ${bounds.unit}` : '';
  const range = `a whole number${unit} from ${bounds.min} to ${bounds.max}`;
  throw invalidOption(field, bounds.also === undefined ? range : `${bounds.also} or ${range}`, value, bounds.fix);
}

/** A function, or undefined when left out. */
export function optionalFunction<T extends (...args: never[]) => unknown>(value: unknown, field: string, fix: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as T;
  throw invalidOption(field, 'a function', value, fix);
}

/** A string of 1 to `maxLength` characters, or undefined when left out. */
export function optionalString(value: unknown, field: string, maxLength: number, fix: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= maxLength) return value;
  throw invalidOption(field, `a non-empty string of at most ${maxLength} characters`, value, fix);
}

/** A boolean, or undefined when left out. */
export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  throw invalidOption(field, 'true or false', value, 'leave it out for the default');
}

/** A plain options object (not null, not an array), or undefined when left out. */
export function optionalObject(value: unknown, field: string, example: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw invalidOption(field, `an object like ${example}`, value, 'pass one, or leave it out');
}

export const KIB = 1024;
export const MIB = 1024 * 1024;

/** Longest token a peer may present or a hub may expect: room for a JWT, far below any frame limit. */
export const MAX_TOKEN_CHARS = 16 * KIB;

/** Frame limits sluice accepts (`maxFrameBytes` of nodes, hubs and transports): 1 KiB to 64 MiB. */
export const MIN_FRAME_BYTES = KIB;
export const MAX_FRAME_BYTES_LIMIT = 64 * MIB;

/** `connectTimeoutMs` of every connector: whole ms from 10 to 600000 (10 min). */
export const CONNECT_TIMEOUT_BOUNDS: IntegerBounds = { min: 10, max: 600_000, unit: 'of ms', fix: 'leave it out for the default 10000 (10 s)' };

/**
 * A token: a string of at most MAX_TOKEN_CHARS, if given. A hub's expected token (`auth.token`)
 * must not be empty; a connector's may be ('' presents none, as a worker's descriptor of it says).
 */
export function optionalToken(value: unknown, field: string, allowEmpty = false): string | undefined {
  if (allowEmpty && value === '') return value;
  return optionalString(value, field, MAX_TOKEN_CHARS, allowEmpty ? 'pass the shared secret as a string, or leave it out to present none' : 'pass the shared secret as a string, or leave it out for no token check');
}

/** `maxFrameBytes` wherever it is taken: a whole number of bytes from 1 KiB to 64 MiB, if given. */
export function optionalFrameBytes(value: unknown, field: string): number | undefined {
  return optionalInteger(value, field, {
    min: MIN_FRAME_BYTES,
    max: MAX_FRAME_BYTES_LIMIT,
    unit: 'of bytes',
    fix: 'leave it out for the default 4 MiB (4194304), and use the same value on every peer',
  });
}

/**
 * The `auth` option of createNode and listen: an object whose `token` (if any) is a non-empty
 * string and whose `authorize` (if any) is a function. Other fields are left to the hub.
 */
export function assertAuthOptions(value: unknown, field = 'auth'): void {
  const auth = optionalObject(value, field, '{ token: "secret" }');
  if (auth === undefined) return;
  optionalToken(auth.token, `${field}.token`);
  optionalFunction(auth.authorize, `${field}.authorize`, 'pass (principal, datasetId) => boolean, or leave it out to grant what the token grants');
  const jwt = optionalObject(auth.jwt, `${field}.jwt`, '{ secret } or { publicKey, algorithms } or { jwks }');
  if (jwt !== undefined) {
    if (jwt.secret !== undefined && !(typeof jwt.secret === 'string' && jwt.secret.length > 0) && !(jwt.secret instanceof Uint8Array)) {
      throw new SluiceError('invalid_options', `${field}.jwt.secret must be a non-empty string or bytes.`, { field: `${field}.jwt.secret` });
    }
    if (jwt.publicKey !== undefined && typeof jwt.publicKey !== 'string' && (typeof jwt.publicKey !== 'object' || jwt.publicKey === null)) {
      throw new SluiceError('invalid_options', `${field}.jwt.publicKey must be a PEM string, a JWK or a CryptoKey.`, { field: `${field}.jwt.publicKey` });
    }
    if (jwt.jwks !== undefined && typeof jwt.jwks !== 'string' && (typeof jwt.jwks !== 'object' || jwt.jwks === null || !Array.isArray((jwt.jwks as { keys?: unknown }).keys))) {
      throw new SluiceError('invalid_options', `${field}.jwt.jwks must be the URL of a JSON Web Key Set, or a set { keys: [...] }.`, { field: `${field}.jwt.jwks` });
    }
    for (const claim of ['issuer', 'audience', 'datasetsClaim', 'nodesClaim', 'relayClaim', 'readClaim'] as const) optionalString(jwt[claim], `${field}.jwt.${claim}`, 1024, 'pass a string, or leave it out');
    if (jwt.algorithms !== undefined && (!Array.isArray(jwt.algorithms) || jwt.algorithms.some((a) => typeof a !== 'string'))) {
      throw new SluiceError('invalid_options', `${field}.jwt.algorithms must be an array of algorithm names such as ["EdDSA"].`, { field: `${field}.jwt.algorithms` });
    }
    optionalInteger(jwt.clockToleranceSec, `${field}.jwt.clockToleranceSec`, { min: 0, max: 3600, unit: 'of seconds', fix: 'leave it out for 30' });
  }
  if (auth.relays !== undefined && (!Array.isArray(auth.relays) || auth.relays.some((r) => typeof r !== 'string'))) {
    throw new SluiceError('invalid_options', `${field}.relays must be an array of node ids allowed to relay other authors' entries.`, { field: `${field}.relays` });
  }
  optionalInteger(auth.maxConnectionsPerPrincipal, `${field}.maxConnectionsPerPrincipal`, { min: 1, max: 1_000_000, fix: 'leave it out for 64' });
}
