import { SluiceError } from '../core/errors.ts';
import { MAX_TOKEN_CHARS } from '../core/option-checks.ts';
import type { Connector } from '../protocol/transport.ts';

/** How long a token function may take: one that never settles must not stall the dataset's rounds. */
export const TOKEN_TIMEOUT_MS = 30_000;

/**
 * The token a dial presents: the connector's string, or what its token function returns now. A
 * function that throws, takes over 30 s, or returns something other than a string of at most
 * 16 KiB fails the dial with `auth_failed` and `details.tokenFunction` (the round is retried with
 * backoff, calling the function again). An abort of `signal` (the node closing) ends the wait.
 */
export async function presentToken(connector: Connector, signal?: AbortSignal): Promise<string> {
  const source = connector.token;
  if (typeof source === 'string') return source;
  let token: unknown;
  try {
    token = await settleWithin(Promise.resolve().then(source), signal);
  } catch (error) {
    throw new SluiceError('auth_failed', `The token function for ${connector.url} failed: ${(error as Error)?.message ?? String(error)}. The next round calls it again.`, { url: connector.url, tokenFunction: true }, { cause: error });
  }
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) {
    throw new SluiceError('auth_failed', `The token function for ${connector.url} returned ${typeof token === 'string' ? `${token.length} characters` : typeof token}: return the token as a string of at most ${MAX_TOKEN_CHARS} characters.`, { url: connector.url, tokenFunction: true });
  }
  return token;
}

function settleWithin<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => done(() => reject(new Error(`it did not answer within ${TOKEN_TIMEOUT_MS / 1000} s`))), TOKEN_TIMEOUT_MS);
    const onAbort = () => done(() => reject(new Error('the node is closing')));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => done(() => resolve(value)),
      (error: unknown) => done(() => reject(error)),
    );
  });
}

/**
 * When `token` expires, in epoch ms, if it is a JWT with a numeric `exp`; undefined otherwise. Read
 * without verifying: the client only uses it to fetch the next token in time, the hub verifies.
 */
export function tokenExpiresAt(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a connection whose token expires at `expiresAt` should be replaced with one dialed with a
 * fresh token: a minute before, or a fifth of the time left if that is shorter; never sooner than
 * a second from now, so a token function handing out nearly expired tokens redials once a second
 * at most.
 */
export function refreshAt(expiresAt: number, now = Date.now()): number {
  const lead = Math.min(60_000, Math.max(0, expiresAt - now) / 5);
  return Math.max(now + 1_000, expiresAt - lead);
}
