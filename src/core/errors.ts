/**
 * Every failure sluice reports on purpose is a SluiceError with a stable `code`.
 * Callers branch on `code`; the message is for humans and says what to do next.
 */
export type SluiceErrorCode =
  | 'invalid_dataset_id'
  | 'invalid_node_id'
  | 'invalid_collection'
  | 'invalid_key'
  | 'invalid_payload'
  | 'schema_violation'
  | 'invalid_query'
  | 'payload_too_large'
  | 'payload_too_deep'
  | 'invalid_timestamp'
  | 'clock_drift'
  | 'invalid_entry'
  | 'hash_mismatch'
  | 'invalid_options'
  | 'invalid_snapshot'
  | 'dataset_mismatch'
  | 'store_closed'
  | 'storage_failure'
  // wire protocol and sessions
  | 'malformed_frame'
  | 'frame_too_large'
  | 'unknown_message_type'
  | 'protocol_violation'
  | 'auth_failed'
  | 'dataset_not_granted'
  | 'dataset_read_only'
  | 'chain_broken'
  | 'bad_signature'
  | 'author_not_allowed'
  | 'timestamp_conflict'
  | 'handshake_timeout'
  | 'too_many_connections'
  | 'snapshot_required'
  | 'connection_closed'
  | 'timeout'
  | 'remote_error'
  // runtime
  | 'worker_crashed'
  | 'sink_failed';

export class SluiceError extends Error {
  readonly code: SluiceErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: SluiceErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
    this.details = details;
  }
}

export function isSluiceError(value: unknown, code?: SluiceErrorCode): value is SluiceError {
  return value instanceof SluiceError && (code === undefined || value.code === code);
}
