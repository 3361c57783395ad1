/** Per-peer retry delay: 1 s after the first failure, doubling up to 60 s; reset on success. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;

/** The ceiling of the retry delay after `failures` failures in a row (0 for none). */
export function backoffDelay(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
}

/*
 * Jitter, so that the clients of a hub that restarts, or dies and leaves them to another hub, do not
 * come back in lockstep: a retry waits between half the ceiling and the ceiling ("equal jitter": no
 * retry hammers at once, and the herd spreads over half the window), and the first reconnect after
 * a connection dropped waits anywhere in the first second.
 */

/** The delay before the next dial after `failures` failed attempts in a row. */
export function jitteredBackoff(failures: number, random: () => number = Math.random): number {
  const ceiling = backoffDelay(failures);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delay before redialling a peer whose established connection dropped. */
export function reconnectDelay(random: () => number = Math.random): number {
  return Math.round(random() * BACKOFF_BASE_MS);
}
