/**
 * What a Verso usage store recorded: opens the gateway's SQLite file (gateway/usage/store/sqlite.ts)
 * read-only with the root's better-sqlite3, the version Verso itself uses, after the gateway has
 * stopped (it flushes its last counts on SIGTERM).
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './setup.mjs';

/**
 * { rows, clients, requests } of the `usage` table; zeros when the file was never written. With
 * `expected` (client ids), also `expectedClients`: how many of them have rows.
 */
export function usageSummary(file, expected) {
  if (!existsSync(file)) return { rows: 0, clients: 0, requests: 0, expectedClients: expected ? 0 : undefined, missing: true };
  const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasUsage = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage'").get();
    if (!hasUsage) return { rows: 0, clients: 0, requests: 0, expectedClients: expected ? 0 : undefined };
    const r = db.prepare('SELECT COUNT(*) AS rows, COUNT(DISTINCT client) AS clients, COALESCE(SUM(count), 0) AS requests FROM usage').get();
    const out = { rows: r.rows, clients: r.clients, requests: r.requests };
    if (expected) {
      // One bound JSON array, not one placeholder per id (SQLite caps those).
      const sql = 'SELECT COUNT(DISTINCT client) AS n FROM usage WHERE client IN (SELECT value FROM json_each(?))';
      out.expectedClients = db.prepare(sql).get(JSON.stringify(expected)).n;
    }
    return out;
  } finally {
    db.close();
  }
}
