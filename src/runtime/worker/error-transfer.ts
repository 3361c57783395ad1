import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import { SluiceError, type SluiceErrorCode } from '../../core/errors.ts';

export interface SerializedError {
  readonly sluice: boolean;
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code?: SluiceErrorCode;
  readonly details?: Record<string, unknown>;
}

let registered = false;

/**
 * Comlink's own "throw" handler keeps only name, message and stack, so a SluiceError thrown in a
 * worker would arrive without its `code`. This one carries code and details across, and rebuilds
 * a real SluiceError on the other side; both the node thread and the worker register it.
 */
export function registerErrorTransfer(): void {
  if (registered) return;
  registered = true;
  const fallback = Comlink.transferHandlers.get('throw');
  Comlink.transferHandlers.set('throw', {
    canHandle: (value: unknown): value is { value: unknown } => fallback?.canHandle(value) ?? false,
    serialize({ value }: { value: unknown }) {
      return [{ isError: true, value: serializeError(value) }, []];
    },
    deserialize(serialized: { value: SerializedError }) {
      throw deserializeError(serialized.value);
    },
  } as Parameters<typeof Comlink.transferHandlers.set>[1]);
}

/** An error as plain data that structured clone carries whole, SluiceError code and details included. */
export function serializeError(value: unknown): SerializedError {
  const error = value instanceof Error ? value : new Error(String(value));
  return {
    sluice: error instanceof SluiceError,
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error instanceof SluiceError ? { code: error.code, details: plainDetails(error.details) } : {}),
  };
}

export function deserializeError(v: SerializedError): Error {
  const error = v.sluice && v.code ? new SluiceError(v.code, v.message, v.details) : Object.assign(new Error(v.message), { name: v.name });
  if (v.stack) error.stack = v.stack;
  return error;
}

/** Details are plain data by convention; anything structured clone would refuse is dropped. */
function plainDetails(details: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
  if (!details) return undefined;
  try {
    return structuredClone(details) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(Object.entries(details).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v)));
  }
}
