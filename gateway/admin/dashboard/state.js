// @ts-check
// What the page shows and where it is: the selected range, the reports last loaded, the filter
// and sort of the clients table, the client in the drawer, and the URL hash that names them
// (#range=7d&client=ID).

/** @typedef {import('../../usage/api-types.js').DeprecatedReport} DeprecatedReport */
/** @typedef {import('../../usage/api-types.js').UsageSeries} UsageSeries */

/** @typedef {'24h' | '7d' | '30d'} RangeKey */
/** @typedef {'client' | 'version' | 'requests' | 'last_seen'} SortKey */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
/**
 * Each range and the width of one chart bucket. 30 days uses day buckets, which the store keeps after rollup.
 * @type {Record<RangeKey, { ms: number, stepMs: number, step: string, label: string }>}
 */
export const RANGES = {
  '24h': { ms: DAY, stepMs: HOUR, step: '1h', label: 'the last 24 hours' },
  '7d': { ms: 7 * DAY, stepMs: 6 * HOUR, step: '6h', label: 'the last 7 days' },
  '30d': { ms: 30 * DAY, stepMs: DAY, step: '1d', label: 'the last 30 days' },
};
/** @type {RangeKey} */
export const DEFAULT_RANGE = '7d';
/** Clients fetched per deprecated version (the API sorts by requests and cuts at `limit`). */
export const CLIENT_LIMIT = 200;
/** Rows rendered at most; the filter narrows within what was fetched. */
export const MAX_ROWS = 300;
export const MAX_DETAIL_OPERATIONS = 200;
export const REFRESH_MS = 60_000;

/**
 * @typedef {object} DashboardState
 * @property {RangeKey} range
 * @property {DeprecatedReport | null} deprecated
 * @property {UsageSeries | null} series
 * @property {string} filter
 * @property {{ key: SortKey, dir: 1 | -1 }} sort
 * @property {number} loadSeq Bumped per load, so an answer that arrives late is dropped.
 * @property {number} detailSeq Bumped per drill-down, likewise.
 * @property {string | null} client The client the drawer shows, or null.
 */

/** @type {DashboardState} */
export const state = {
  range: DEFAULT_RANGE,
  deprecated: null,
  series: null,
  filter: '',
  sort: { key: 'requests', dir: -1 },
  loadSeq: 0,
  detailSeq: 0,
  client: null,
};

/**
 * @param {string | null | undefined} value
 * @returns {value is RangeKey}
 */
export function isRange(value) {
  return typeof value === 'string' && Object.hasOwn(RANGES, value);
}

// ---- URL state: #range=7d&client=ID ----------------------------------------------------------

/** @returns {{ range: RangeKey, client: string | null }} */
export function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const range = params.get('range');
  return { range: isRange(range) ? range : DEFAULT_RANGE, client: params.get('client') || null };
}

/**
 * @param {{ range?: RangeKey, client?: string | null }} [next]
 * @returns {string}
 */
export function hashFor({ range = state.range, client = state.client } = {}) {
  const params = new URLSearchParams();
  if (range !== DEFAULT_RANGE) params.set('range', range);
  if (client) params.set('client', client);
  const text = params.toString();
  return text ? `#${text}` : '#';
}

/**
 * Replace the hash without a history entry and without a hashchange event.
 * @param {string} next
 */
export function replaceHash(next) {
  const url = new URL(location.href);
  url.hash = next === '#' ? '' : next;
  history.replaceState(null, '', url.hash ? url : url.pathname + url.search);
}

/**
 * The window of the selected range, aligned to its buckets so the chart's first bucket is whole.
 * @returns {{ from: string, to: string, step: string }}
 */
export function timeWindow() {
  const { ms, stepMs, step } = RANGES[state.range];
  const now = Date.now();
  const from = Math.floor(now / stepMs) * stepMs - (ms - stepMs);
  return { from: new Date(from).toISOString(), to: new Date(now).toISOString(), step };
}
