/**
 * `verso report`: the usage report from the configured store, without a running gateway. The
 * same builders as the admin API (usage/report.ts), so `--format json` prints exactly what
 * `GET /usage` or `GET /usage/deprecated` answers; `table` is for a terminal, `csv` (RFC 4180)
 * for a spreadsheet. The clock is `cliNow()`'s (store.ts): `VERSO_NOW` fixes it.
 */

import { loadConfigFile } from '../config/load.js';
import { loadTranslator } from '../translate/translator.js';
import { createImpact } from '../usage/impact.js';
import { createReports, parseInstant, type ReportBy } from '../usage/report.js';
import type { DeprecatedReport, UsageReport } from '../usage/api-types.js';
import { stdio, STORE_FAILED, USAGE, type Io } from './io.js';
import { cliNow, openConfiguredStore } from './store.js';
import { formatTable } from './table.js';

export interface ReportOptions {
  config: string;
  deprecated?: boolean;
  since?: string;
  by: ReportBy;
  format: 'table' | 'json' | 'csv';
  limit: string;
}

export async function reportCommand(options: ReportOptions, io: Io = stdio): Promise<number> {
  const now = cliNow();
  const config = loadConfigFile(options.config);
  let from: number | undefined;
  if (options.since !== undefined) {
    from = parseInstant(options.since, now);
    if (from === undefined || from >= now) {
      io.err(`verso report: --since must be an RFC 3339 date or date-time (2025-06-01, 2025-06-01T12:00:00Z) or a time before now (30m, 24h, 7d, 2w), before now; got "${options.since}"\n`);
      return USAGE;
    }
  }
  if (!/^\d{1,5}$/.test(options.limit) || Number(options.limit) < 1 || Number(options.limit) > 10_000) {
    io.err(`verso report: --limit must be a whole number from 1 to 10000; got "${options.limit}"\n`);
    return USAGE;
  }
  const limit = Number(options.limit);
  const translator = await loadTranslator(config);
  const opened = await openConfiguredStore(config, 'report', io, true);
  if ('exit' in opened) return opened.exit;
  const { store } = opened;
  try {
    const reports = createReports({ config, store, impact: createImpact(translator), now: () => now });
    const filter = { from, to: now };
    if (options.deprecated) {
      const report = await reports.deprecatedReport(filter, limit);
      io.out(options.format === 'json' ? json(report) : options.format === 'csv' ? deprecatedCsv(report) : deprecatedTable(report));
    } else {
      const report = await reports.usageReport(options.by, filter, limit);
      io.out(options.format === 'json' ? json(report) : options.format === 'csv' ? usageCsv(report) : usageTable(report));
    }
    return 0;
  } catch (err) {
    io.err(`verso report: the usage store (${store.kind}) failed: ${(err as Error).message}\n`);
    return STORE_FAILED;
  } finally {
    await store.close();
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// ---- table -----------------------------------------------------------------------------------

function percent(part: number, whole: number): string {
  return whole === 0 ? '0.0%' : `${((part / whole) * 100).toFixed(1)}%`;
}

function usageTable(report: UsageReport): string {
  const head = `${report.total_requests} requests from ${report.from} to ${report.to}, by ${report.by}\n`;
  if (report.group_count === 0) return `${head}\nNo requests recorded in this range.\n`;
  const first = report.by.toUpperCase();
  const header = report.by === 'version' ? [first, 'STATUS'] : report.by === 'client' ? [first, 'LABEL'] : [first];
  const rows = report.groups.map((g) => [
    g.key,
    ...(report.by === 'version' ? [g.deprecated ? 'deprecated' : 'active'] : report.by === 'client' ? [g.label ?? ''] : []),
    String(g.requests),
    percent(g.requests, report.total_requests),
    g.first_seen,
    g.last_seen,
  ]);
  const n = header.length;
  const more = report.group_count - report.groups.length;
  return `${head}\n${formatTable([...header, 'REQUESTS', 'SHARE', 'FIRST SEEN', 'LAST SEEN'], rows, new Set([n, n + 1]))}`
    + (more > 0 ? `… and ${more} more (raise --limit)\n` : '');
}

function deprecatedTable(report: DeprecatedReport): string {
  let out = `Deprecated versions as of ${report.generated_at} (head ${report.head})\n`
    + `From ${report.from} to ${report.to}: ${report.total_requests} requests, ${report.deprecated_requests} to deprecated versions (${percent(report.deprecated_requests, report.total_requests)})\n`;
  if (report.versions.length === 0) return `${out}\nNo version is deprecated or sunset.\n`;
  out += `\n${formatTable(
    ['VERSION', 'STATUS', 'DEPRECATED', 'SUNSET', 'DAYS TO SUNSET', 'SUCCESSOR', 'REQUESTS', 'CLIENTS'],
    report.versions.map((v) => [
      v.version, v.status, v.deprecated_since ?? '', v.sunset ?? '', v.days_to_sunset === undefined ? '' : String(v.days_to_sunset),
      v.successor ?? '', String(v.requests), String(v.client_count),
    ]),
    new Set([4, 6, 7]),
  )}`;
  for (const v of report.versions) {
    out += `\n${v.version} (${v.status}): `;
    if (v.client_count === 0) { out += 'no requests in this range\n'; continue; }
    out += `${v.client_count} client${v.client_count === 1 ? '' : 's'}\n`;
    out += formatTable(
      ['CLIENT', 'LABEL', 'KIND', 'REQUESTS', 'LAST SEEN', 'CHANGES', 'OPERATIONS'],
      v.clients.map((c) => [c.client, c.label ?? '', c.kind, String(c.requests), c.last_seen, String(c.impact.length), c.operations.map((o) => o.operation).join(', ')]),
      new Set([3, 5]),
      '  ',
    );
    const more = v.client_count - v.clients.length;
    if (more > 0) out += `  … and ${more} more (raise --limit)\n`;
  }
  return out;
}

// ---- csv ---------------------------------------------------------------------------------------

/**
 * One RFC 4180 field: quoted when it holds a comma, quote, CR or LF, quotes doubled. Text that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) gets a leading `'`:
 * client ids come from request headers, and a report must not carry someone's formula into Excel.
 */
export function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Lines end in CRLF, as RFC 4180 has them; a header line first. */
export function csv(header: string[], rows: (string | number | boolean | undefined)[][]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

function usageCsv(report: UsageReport): string {
  if (report.by === 'version') return csv(['version', 'deprecated', 'requests', 'first_seen', 'last_seen'], report.groups.map((g) => [g.key, g.deprecated, g.requests, g.first_seen, g.last_seen]));
  if (report.by === 'client') return csv(['client', 'label', 'requests', 'first_seen', 'last_seen'], report.groups.map((g) => [g.key, g.label, g.requests, g.first_seen, g.last_seen]));
  return csv(['operation', 'requests', 'first_seen', 'last_seen'], report.groups.map((g) => [g.key, g.requests, g.first_seen, g.last_seen]));
}

/**
 * One row per (version, client, operation): sums by version or by client in a pivot table give the
 * report's totals. `changes` lists the ids of the changes that touch that operation, space-separated.
 * A deprecated version nobody calls still gets a row, with the client columns empty.
 */
function deprecatedCsv(report: DeprecatedReport): string {
  const header = ['version', 'status', 'deprecated_since', 'sunset', 'days_to_sunset', 'successor', 'client', 'label', 'kind', 'verified', 'operation', 'requests', 'last_seen', 'changes'];
  const rows: (string | number | boolean | undefined)[][] = [];
  for (const v of report.versions) {
    const lifecycle = [v.version, v.status, v.deprecated_since, v.sunset, v.days_to_sunset, v.successor];
    if (v.clients.length === 0) rows.push([...lifecycle, undefined, undefined, undefined, undefined, undefined, 0, undefined, undefined]);
    for (const c of v.clients) {
      for (const o of c.operations) {
        const changes = c.impact.filter((i) => i.operations.includes(o.operation)).map((i) => i.change).join(' ');
        rows.push([...lifecycle, c.client, c.label, c.kind, c.verified, o.operation, o.requests, o.last_seen, changes]);
      }
    }
  }
  return csv(header, rows);
}
