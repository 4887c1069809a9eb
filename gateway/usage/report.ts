/**
 * The usage reports, as the admin API, the dashboard and `verso report` show them: every JSON
 * shape of types.ts built from a store, the config (lifecycle, labels), the change model (impact)
 * and the clock. The store sums (GROUP BY in SQL); this file shapes. Each report makes a fixed
 * number of store calls whatever the number of clients: the deprecated report is one summary for
 * the totals, one by (version, client, operation) for the deprecated versions, and one client
 * lookup, grouped in memory.
 *
 * Instants in the JSON: measured ones (from, to, buckets, first and last seen, generated_at) are
 * `Date#toISOString()` (`2025-06-15T12:00:00.000Z`, fixed width, UTC); lifecycle dates from the
 * config are written as /openapi and the changelog write them (`2025-12-31` at midnight UTC).
 */

import { statusAt } from '../lifecycle/lifecycle.js';
import type { GatewayConfig, VersionConfig } from '../config/types.js';
import { instantMs, parseDuration, type DurationOptions } from '../config/units.js';
import { formatInstant } from '../translate/generate/changelog.js';
import type { Impact } from './impact.js';
import type { ClientInfo, Pin, UsageFilter, UsageGroup, UsageStore } from './store/types.js';
import type { ClientDetail, DeprecatedClient, PinsResponse, DeprecatedReport, DeprecatedVersion, ImpactChange, UsageReport, UsageReportGroup, UsageSeries } from './api-types.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Without `from`, a report covers the 7 days before `to`. */
export const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** The most buckets a series may have (asking for more is a bad `step`). */
export const MAX_SERIES_POINTS = 10_000;
/** Automatic steps aim for at most this many points: enough for a chart, few enough to draw fast. */
export const TARGET_SERIES_POINTS = 200;
const AUTO_STEPS = [MINUTE_MS, 5 * MINUTE_MS, 15 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS, 7 * DAY_MS, 30 * DAY_MS];

export type ReportBy = UsageReport['by'];

export interface ReportDeps {
  config: GatewayConfig;
  store: UsageStore;
  impact: Impact;
  now(): number;
  /** The version a client is pinned to (the running gateway's pin book); by default read from the store. */
  pinOf?(client: string): Promise<string | undefined> | string | undefined;
}

export interface Reports {
  usageReport(by: ReportBy, filter: UsageFilter, limit: number): Promise<UsageReport>;
  /** `stepMs` undefined: chosen from the range (see `autoStep`). */
  usageSeries(filter: UsageFilter, stepMs?: number): Promise<UsageSeries>;
  deprecatedReport(filter: UsageFilter, limit: number): Promise<DeprecatedReport>;
  /** Undefined when the store knows nothing of the client: no record, no usage, no pin. */
  clientDetail(id: string, filter: UsageFilter): Promise<ClientDetail | undefined>;
}

// ---- time ------------------------------------------------------------------------------------

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The report's range: `to` defaults to now, `from` to 7 days before `to`. */
export function resolveRange(filter: UsageFilter, now: number): { from: number; to: number } {
  const to = filter.to ?? now;
  return { from: filter.from ?? to - DEFAULT_RANGE_MS, to };
}

/** A time before now and a series step: a whole number of minutes, hours, days or weeks. */
const RELATIVE: DurationOptions = { units: ['m', 'h', 'd', 'w'], whole: true };
/** For messages (formatStep). */
const UNIT_MS: Record<string, number> = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };
/** The latest instant a JavaScript Date holds (ECMA-262 §21.4.1.22): farther back is no instant. */
const MAX_DATE_MS = 8.64e15;
// A `+` in a query string arrives as a space when the client did not encode it; read it as `+`.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)([Zz]|[+\- ]\d{2}:\d{2})$/;

/**
 * An instant as the API and the CLI accept it: an RFC 3339 date (`2025-06-01`, midnight UTC) or
 * date-time (`2025-06-01T12:00:00Z`, `…+02:00`), a time before now (`30m`, `24h`, `7d`, `2w`),
 * or `now`. Undefined when it is none of these.
 */
export function parseInstant(raw: string, now: number): number | undefined {
  const value = raw.trim();
  if (value === 'now') return now;
  const ago = parseDuration(value, RELATIVE);
  if (ago !== undefined) return Math.abs(now - ago) <= MAX_DATE_MS ? now - ago : undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = instantMs(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const offset = m[3].startsWith(' ') ? `+${m[3].slice(1)}` : m[3].toUpperCase();
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  // Date.parse rolls 2025-02-30 over to March; the calendar date must be real.
  if (Number.isNaN(ms) || Number.isNaN(instantMs(m[1]))) return undefined;
  return ms;
}

/** A series step: a whole number of minutes, hours, days or weeks (`15m`, `1h`, `1d`). */
export function parseStep(raw: string): number | undefined {
  const step = parseDuration(raw.trim(), RELATIVE);
  return step === 0 ? undefined : step;
}

/** `3600000` → `1h`, for messages. */
export function formatStep(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}

/**
 * The step for a range when none is asked for: the finest of 1m, 5m, 15m, 1h, 6h, 1d, 7d, 30d that
 * gives at most 200 points (7 days → 1h, 2 days → 15m, 90 days → 1d). When the range reaches back
 * past `usage.rollupAfter`, minute counts there have been folded into day buckets, so the step is
 * at least a day: finer steps would draw each old day as one spike.
 */
export function autoStep(from: number, to: number, rolledUpBefore: number): number {
  const span = Math.max(to - from, 1);
  let step = AUTO_STEPS.find((s) => Math.ceil(span / s) <= TARGET_SERIES_POINTS) ?? AUTO_STEPS[AUTO_STEPS.length - 1];
  if (from < rolledUpBefore && step < DAY_MS) step = DAY_MS;
  return step;
}

// ---- lifecycle -------------------------------------------------------------------------------

/** Deprecated or sunset at `now` (lifecycle/statusAt); an unknown version is neither. */
export function isDeprecated(v: VersionConfig | undefined, now: number): boolean {
  return v !== undefined && statusAt(v, now) !== 'active';
}

/**
 * Whole days from `now` to the sunset, rounded up: a sunset 1.2 days away is 2 days away (the
 * last full day still counts), exactly now is 0, and once past it counts down through 0 (half a
 * day past is 0, a day and a half past is -1).
 */
export function daysToSunset(sunset: number, now: number): number {
  return Math.ceil((sunset - now) / DAY_MS) || 0; // `|| 0`: no -0 in JSON consumers' comparisons
}

// ---- pins ------------------------------------------------------------------------------------

export function pinJson(pin: Pin): PinsResponse['pins'][number] {
  return { client: pin.client, version: pin.version, pinned_at: iso(pin.pinnedAt), by: pin.by };
}

/** `GET /pins` and `verso pin list --format json`: every pin, by client id. */
export function pinsResponse(pins: readonly Pin[]): PinsResponse {
  return { pins: [...pins].sort((a, b) => compareText(a.client, b.client)).map(pinJson) };
}

// ---- the reports -----------------------------------------------------------------------------

function byCountThenKey<T extends { count: number }>(key: (g: T) => string): (a: T, b: T) => number {
  return (a, b) => b.count - a.count || compareText(key(a), key(b));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createReports(deps: ReportDeps): Reports {
  const { config, store, impact } = deps;
  const versionById = new Map(config.versions.map((v) => [v.id, v]));
  /** Configured versions oldest first; versions only the store knows (removed since) after them, by id. */
  const versionOrder = (a: string, b: string) => {
    const ia = versionById.get(a)?.index ?? Number.MAX_SAFE_INTEGER;
    const ib = versionById.get(b)?.index ?? Number.MAX_SAFE_INTEGER;
    return ia - ib || compareText(a, b);
  };
  // Labels from the config win over the store's: an operator may label a key after it was recorded.
  const labels = new Map<string, string>();
  for (const rule of config.clients) if (rule.kind === 'api-key') for (const [id, label] of rule.labels) labels.set(id, label);

  const pinOf = deps.pinOf ?? (async (client: string) => (await store.listPins()).find((p) => p.client === client)?.version);

  async function clientInfos(ids: string[]): Promise<Map<string, ClientInfo>> {
    if (ids.length === 0) return new Map();
    // One call for any number of ids: the stores bind the list as one value.
    return new Map((await store.clients(ids)).map((c) => [c.id, c]));
  }

  /** kind, label and verified for a client, as the report fields spell them. */
  function describe(id: string, info: ClientInfo | undefined): Pick<DeprecatedClient, 'label' | 'kind' | 'verified'> {
    const label = labels.get(id) ?? info?.label;
    return {
      ...(label !== undefined ? { label } : {}),
      kind: info?.kind ?? guessKind(id),
      ...(info?.verified !== undefined ? { verified: info.verified } : {}),
    };
  }

  /** A client with no record (pinned before its first request): read its kind off the id and rules. */
  function guessKind(id: string): ClientInfo['kind'] {
    if (/^key_[0-9a-f]{16}$/.test(id) && config.clients.some((r) => r.kind === 'api-key')) return 'api-key';
    const first = config.clients.find((r) => r.kind !== 'api-key') ?? config.clients[0];
    return first?.kind ?? 'remote-address';
  }

  return {
    async usageReport(by, filter, limit) {
      const { from, to } = resolveRange(filter, deps.now());
      const now = deps.now();
      const groups = (await store.summarize({ ...filter, from, to }, [by])).map((g) => ({ ...g, key: g[by] ?? '' }));
      groups.sort(byCountThenKey((g) => g.key));
      const shown = groups.slice(0, limit);
      const infos = by === 'client' ? await clientInfos(shown.map((g) => g.key)) : new Map<string, ClientInfo>();
      return {
        from: iso(from),
        to: iso(to),
        by,
        total_requests: groups.reduce((n, g) => n + g.count, 0),
        group_count: groups.length,
        groups: shown.map((g): UsageReportGroup => {
          const label = by === 'client' ? labels.get(g.key) ?? infos.get(g.key)?.label : undefined;
          return {
            key: g.key,
            ...(label !== undefined ? { label } : {}),
            ...(by === 'version' ? { deprecated: isDeprecated(versionById.get(g.key), now) } : {}),
            requests: g.count,
            first_seen: iso(g.firstSeen),
            last_seen: iso(g.lastSeen),
          };
        }),
      };
    },

    async usageSeries(filter, stepMs) {
      const now = deps.now();
      const { from, to } = resolveRange(filter, now);
      const step = stepMs ?? autoStep(from, to, now - config.usage.rollupAfterMs);
      const start = Math.floor(from / step) * step;
      const buckets: number[] = [];
      for (let b = start; b < to; b += step) buckets.push(b);
      const points = await store.series({ ...filter, from, to }, step);
      const lines = new Map<string, number[]>();
      for (const p of points) {
        const i = (p.bucket - start) / step;
        if (!Number.isInteger(i) || i < 0 || i >= buckets.length) continue;
        let counts = lines.get(p.version);
        if (!counts) lines.set(p.version, (counts = new Array<number>(buckets.length).fill(0)));
        counts[i] += p.count;
      }
      return {
        from: iso(from),
        to: iso(to),
        step_seconds: step / 1000,
        buckets: buckets.map(iso),
        versions: [...lines.keys()].sort(versionOrder).map((version) => ({
          version,
          deprecated: isDeprecated(versionById.get(version), now),
          counts: lines.get(version)!,
        })),
      };
    },

    async deprecatedReport(filter, limit) {
      const now = deps.now();
      const { from, to } = resolveRange(filter, now);
      const range: UsageFilter = { ...filter, from, to };
      const deprecated = config.versions.filter((v) => isDeprecated(v, now));
      const ids = deprecated.map((v) => v.id);
      const [totals, cells] = await Promise.all([
        store.summarize(range, ['version']),
        ids.length ? store.summarize({ ...range, versions: ids }, ['version', 'client', 'operation']) : Promise.resolve([] as UsageGroup[]),
      ]);
      const total = totals.reduce((n, g) => n + g.count, 0);

      // version → client → its (operation) cells
      const perVersion = new Map<string, Map<string, UsageGroup[]>>(ids.map((id) => [id, new Map()]));
      for (const cell of cells) {
        const clients = perVersion.get(cell.version!);
        if (!clients) continue;
        const list = clients.get(cell.client!);
        if (list) list.push(cell);
        else clients.set(cell.client!, [cell]);
      }
      const summed = new Map<string, { client: string; count: number; firstSeen: number; lastSeen: number; cells: UsageGroup[] }[]>();
      for (const [version, clients] of perVersion) {
        const rows = [...clients].map(([client, list]) => ({
          client,
          count: list.reduce((n, c) => n + c.count, 0),
          firstSeen: Math.min(...list.map((c) => c.firstSeen)),
          lastSeen: Math.max(...list.map((c) => c.lastSeen)),
          cells: list,
        }));
        rows.sort(byCountThenKey((r) => r.client));
        summed.set(version, rows);
      }
      const shownIds = new Set<string>();
      for (const rows of summed.values()) for (const r of rows.slice(0, limit)) shownIds.add(r.client);
      const infos = await clientInfos([...shownIds]);

      const versions = deprecated.map((v): DeprecatedVersion => {
        const rows = summed.get(v.id)!;
        return {
          version: v.id,
          status: statusAt(v, now) === 'sunset' ? 'sunset' : 'deprecated',
          ...(v.deprecated !== undefined ? { deprecated_since: formatInstant(v.deprecated) } : {}),
          ...(v.sunset !== undefined ? { sunset: formatInstant(v.sunset), days_to_sunset: daysToSunset(v.sunset, now) } : {}),
          ...(v.successor !== undefined ? { successor: v.successor } : {}),
          requests: rows.reduce((n, r) => n + r.count, 0),
          client_count: rows.length,
          clients: rows.slice(0, limit).map((r): DeprecatedClient => {
            const operations = [...r.cells].sort(byCountThenKey((c) => c.operation!));
            return {
              client: r.client,
              ...describe(r.client, infos.get(r.client)),
              requests: r.count,
              first_seen: iso(r.firstSeen),
              last_seen: iso(r.lastSeen),
              operations: operations.map((c) => ({ operation: c.operation!, requests: c.count, last_seen: iso(c.lastSeen) })),
              impact: impact.of(v.id, operations.map((c) => c.operation!)),
            };
          }),
        };
      });
      const deprecatedRequests = versions.reduce((n, v) => n + v.requests, 0);
      // A client on two deprecated versions is one client to move, not two.
      const deprecatedClients = new Set(cells.map((c) => c.client)).size;
      return {
        generated_at: iso(now),
        from: iso(from),
        to: iso(to),
        head: config.head,
        total_requests: total,
        deprecated_requests: deprecatedRequests,
        deprecated_share: total === 0 ? 0 : deprecatedRequests / total,
        deprecated_client_count: deprecatedClients,
        versions,
      };
    },

    async clientDetail(id, filter) {
      const now = deps.now();
      const { from, to } = resolveRange(filter, now);
      const [cells, infos, pin] = await Promise.all([
        store.summarize({ ...filter, from, to, client: id }, ['version', 'operation']),
        store.clients([id]),
        pinOf(id),
      ]);
      const info = infos.find((c) => c.id === id);
      if (!info && cells.length === 0 && pin === undefined) return undefined;

      const versions = new Map<string, { count: number; lastSeen: number; operations: string[] }>();
      for (const c of cells) {
        const v = versions.get(c.version!);
        if (v) { v.count += c.count; v.lastSeen = Math.max(v.lastSeen, c.lastSeen); v.operations.push(c.operation!); }
        else versions.set(c.version!, { count: c.count, lastSeen: c.lastSeen, operations: [c.operation!] });
      }
      const order = [...versions.keys()].sort(versionOrder);
      const requests = cells.reduce((n, c) => n + c.count, 0);
      const operations = [...cells].sort((a, b) => b.count - a.count || compareText(a.operation!, b.operation!) || versionOrder(a.version!, b.version!));
      return {
        client: id,
        ...describe(id, info),
        ...(pin !== undefined ? { pin } : {}),
        from: iso(from),
        to: iso(to),
        requests,
        ...(cells.length ? { first_seen: iso(Math.min(...cells.map((c) => c.firstSeen))), last_seen: iso(Math.max(...cells.map((c) => c.lastSeen))) } : {}),
        versions: order.map((version) => ({
          version,
          deprecated: isDeprecated(versionById.get(version), now),
          requests: versions.get(version)!.count,
          last_seen: iso(versions.get(version)!.lastSeen),
        })),
        operations: operations.map((c) => ({ operation: c.operation!, version: c.version!, requests: c.count, last_seen: iso(c.lastSeen) })),
        impact: order
          .filter((version) => isDeprecated(versionById.get(version), now))
          .map((version): { version: string; changes: ImpactChange[] } => ({ version, changes: impact.of(version, versions.get(version)!.operations) })),
      };
    },
  };
}
