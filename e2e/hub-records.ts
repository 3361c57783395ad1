import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Telemetry records a `sluice hub` holds, read from its own SQLite files under its data directory
 * (read-only; WAL lets this run while the hub writes): records inside append batches for the named
 * append datasets, or documents of the named collections of primary.
 */
export function recordsAtHub(dataDir: string, what: { appendDatasets: readonly string[] } | { primaryCollections: readonly string[] }): number {
  const files = 'appendDatasets' in what ? what.appendDatasets.map((ds) => `hub.${ds}.db`) : ['hub.db'];
  let total = 0;
  for (const file of files) {
    const full = path.join(dataDir, file);
    if (!fs.existsSync(full)) continue;
    const db = new Database(full, { readonly: true, fileMustExist: true });
    try {
      const row =
        'appendDatasets' in what
          ? db.prepare('SELECT COALESCE(SUM(json_array_length(payload)), 0) AS n FROM oplog').get()
          : db.prepare(`SELECT COUNT(*) AS n FROM documents WHERE collection IN (${what.primaryCollections.map(() => '?').join(', ')})`).get(...what.primaryCollections);
      total += Number((row as { n: number }).n);
    } finally {
      db.close();
    }
  }
  return total;
}
