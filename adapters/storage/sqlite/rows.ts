// SQLite's tables use the shared SQL column names (see ../sql/rows.ts); only the document columns differ.
export { ENTRY_COLUMNS, HEAD_COLUMNS, toDocument, toEntry, toHead } from '../sql/rows.ts';

export const DOCUMENT_COLUMNS = 'collection, key, value, meta, wall, logic, node, deleted';
