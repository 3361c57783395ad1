/**
 * The command line itself is wrong (unknown flag, missing or malformed value): main() prints the
 * message with the command's usage hint and exits with USAGE_ERROR_EXIT_CODE.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The conventional status for usage errors, so scripts can tell "called it wrong" from "it ran and failed" (1). */
export const USAGE_ERROR_EXIT_CODE = 2;
