// PostgreSQL's tables use the shared SQL column names (see ../sql/rows.ts); only the document columns differ.
export { ENTRY_COLUMNS, HEAD_COLUMNS, toDocument, toEntry, toHead, type SqlRow as PgRow } from '../sql/rows.ts';

/** The value as JSON text, whichever column holds it (value_text only for what JSONB cannot hold). */
export const DOCUMENT_COLUMNS = 'collection, key, coalesce(value_text, value::text) AS value, meta, wall, logic, node, deleted';
