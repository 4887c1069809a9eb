// The usage dashboard's script. It reads the admin usage API (gateway/admin/usage-routes.ts; the
// JSON shapes are in gateway/usage/types.ts) and renders it. No build step, no dependencies but
// Chart.js, which the page loads first as a classic script (window.Chart).
//
// Client ids, labels and operation keys come from requests anyone can send: every string from the
// API goes into the page through textContent or an attribute, never parsed as markup.

const TOKEN_KEY = 'verso.adminToken';
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Each range and the width of one chart bucket. 30 days uses day buckets, which the store keeps after rollup. */
const RANGES = {
  '24h': { ms: DAY, stepMs: HOUR, step: '1h', label: 'the last 24 hours' },
  '7d': { ms: 7 * DAY, stepMs: 6 * HOUR, step: '6h', label: 'the last 7 days' },
  '30d': { ms: 30 * DAY, stepMs: DAY, step: '1d', label: 'the last 30 days' },
};
const DEFAULT_RANGE = '7d';
/** Clients fetched per deprecated version (the API sorts by requests and cuts at `limit`). */
const CLIENT_LIMIT = 200;
/** Rows rendered at most; the filter narrows within what was fetched. */
const MAX_ROWS = 300;
const MAX_DETAIL_OPERATIONS = 200;
const REFRESH_MS = 60_000;

// Okabe–Ito based: distinguishable with the common colour-vision deficiencies. Deprecated versions
// take the warm colours and are also hatched and dashed, so colour is never the only signal.
const ACTIVE_COLORS = ['#0072B2', '#009E73', '#56B4E9', '#6A51A3', '#2F4B7C'];
const DEPRECATED_COLORS = ['#D55E00', '#E69F00', '#A6611A', '#CC79A7', '#8C510A'];

const numberFormat = new Intl.NumberFormat();
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dayHourFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const state = {
  range: DEFAULT_RANGE,
  /** @type {any} DeprecatedReport */
  deprecated: null,
  /** @type {any} UsageSeries */
  series: null,
  filter: '',
  sort: { key: 'requests', dir: -1 },
  loadSeq: 0,
  detailSeq: 0,
  /** The client the drawer shows, or null. */
  client: null,
};

let chart = null;
/** In-memory fallback when sessionStorage is unavailable (privacy modes). */
let memoryToken = null;

// ---- small DOM helpers -----------------------------------------------------------------------

const $ = (selector) => document.querySelector(selector);

/**
 * Build an element. `props` sets properties (className, textContent, href, title, …) or, for
 * keys starting with `data-`/`aria-`, attributes. Children are nodes or strings (text nodes).
 */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'scope' || key === 'datetime') el.setAttribute(key, String(value));
    else el[key] = value;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

function setText(selector, text) {
  $(selector).textContent = text;
}

const fmt = (n) => numberFormat.format(n);

const percent = (digits) => new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
const percentWhole = percent(0);
const percentTenths = percent(1);

/** Whole percents, tenths below 10 %, and "< 0.1 %" rather than a misleading 0 for a trickle. */
function formatShare(share) {
  if (share === 0) return percentWhole.format(0);
  if (share < 0.001) return `< ${percentTenths.format(0.001)}`;
  return (share < 0.1 ? percentTenths : percentWhole).format(share);
}

function formatDate(iso) {
  return iso ? dateFormat.format(new Date(iso)) : '–';
}

function formatAgo(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86_400), 'day');
}

/** A <time> showing "5 minutes ago", with the full instant as its tooltip. */
function timeAgo(iso) {
  if (!iso) return h('span', { className: 'muted', textContent: '–' });
  return h('time', { datetime: iso, title: dateTimeFormat.format(new Date(iso)), textContent: formatAgo(iso) });
}

function badge(text, kind) {
  return h('span', { className: `badge badge-${kind}`, textContent: text });
}

function statusBadge(status) {
  if (status === 'sunset') return badge('sunset', 'sunset');
  if (status === 'deprecated') return badge('deprecated', 'deprecated');
  return badge('active', 'active');
}

function kindLabel(kind, verified) {
  const names = { header: 'header', 'api-key': 'API key', jwt: 'JWT', 'remote-address': 'IP address' };
  const name = names[kind] ?? kind ?? 'client';
  return kind === 'jwt' && verified === false ? `${name}, unverified` : name;
}

function daysText(days) {
  if (days === undefined || days === null) return 'no sunset date';
  if (days > 1) return `in ${fmt(days)} days`;
  if (days === 1) return 'tomorrow';
  if (days === 0) return 'today';
  return `${fmt(-days)} days ago`;
}

function urgency(days, status) {
  if (status === 'sunset' || (days !== undefined && days <= 0)) return 'sunset';
  if (days === undefined) return 'none';
  if (days <= 30) return 'urgent';
  if (days <= 90) return 'soon';
  return 'later';
}

// ---- URL state: #range=7d&client=ID ----------------------------------------------------------

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const range = params.get('range');
  return { range: range && RANGES[range] ? range : DEFAULT_RANGE, client: params.get('client') || null };
}

function hashFor({ range = state.range, client = state.client } = {}) {
  const params = new URLSearchParams();
  if (range !== DEFAULT_RANGE) params.set('range', range);
  if (client) params.set('client', client);
  const text = params.toString();
  return text ? `#${text}` : '#';
}

/** Replace the hash without a history entry and without a hashchange event. */
function replaceHash(next) {
  const url = new URL(location.href);
  url.hash = next === '#' ? '' : next;
  history.replaceState(null, '', url.hash ? url : url.pathname + url.search);
}

// ---- the admin API ---------------------------------------------------------------------------

class AuthError extends Error {}
class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The admin API answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return memoryToken; }
}

function setToken(token) {
  memoryToken = token;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the in-memory copy lasts until the tab reloads */ }
  $('#forget-token').hidden = !token;
}

/** GET an admin API path relative to the page (so a path prefix in front of the admin listener holds). */
async function api(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value));
  const headers = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { detail: 'The gateway\'s admin listener did not answer. Is the gateway running?' });
  }
  if (res.status === 401) throw new AuthError();
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: reported below */ }
  if (!res.ok) throw new ApiError(res.status, body);
  if (body === null) throw new ApiError(res.status, { detail: `${url.pathname} did not answer with JSON.` });
  return body;
}

/** The window of the selected range, aligned to its buckets so the chart's first bucket is whole. */
function timeWindow() {
  const { ms, stepMs, step } = RANGES[state.range];
  const now = Date.now();
  const from = Math.floor(now / stepMs) * stepMs - (ms - stepMs);
  return { from: new Date(from).toISOString(), to: new Date(now).toISOString(), step };
}

// ---- loading ---------------------------------------------------------------------------------

/** Fetch the reports for the selected range and render them; resolves to whether that worked. */
async function load() {
  const seq = ++state.loadSeq;
  const { from, to, step } = timeWindow();
  document.body.classList.add('loading');
  if (!state.deprecated) setText('#updated', 'Loading…');
  $('#refresh').disabled = true;
  try {
    const [deprecated, series] = await Promise.all([
      api('usage/deprecated', { from, to, limit: CLIENT_LIMIT }),
      api('usage/series', { from, to, step }),
    ]);
    if (seq !== state.loadSeq) return;
    state.deprecated = deprecated;
    state.series = series;
    hideToken();
    showNotice(null);
    render();
    setText('#updated', `Updated ${timeFormat.format(new Date())} · ${RANGES[state.range].label}`);
    return true;
  } catch (error) {
    if (seq === state.loadSeq) failed(error);
    return false;
  } finally {
    if (seq === state.loadSeq) {
      document.body.classList.remove('loading');
      $('#refresh').disabled = false;
    }
  }
}

function failed(error) {
  if (error instanceof AuthError) {
    const hadToken = Boolean(getToken());
    if (hadToken) setToken(null);
    askForToken(hadToken ? 'That token was not accepted. Check admin.token in the gateway\'s configuration.' : '');
    return;
  }
  const detail = error instanceof ApiError ? error.message : String(error?.message ?? error);
  const what = error instanceof ApiError && error.status === 503 ? 'The usage store is unavailable' : 'The usage data could not be loaded';
  showNotice(`${what}: ${detail}`, 'error');
}

function showNotice(text, kind = 'info') {
  const notice = $('#notice');
  notice.hidden = !text;
  notice.className = `notice notice-${kind}`;
  notice.textContent = text ?? '';
}

function askForToken(message) {
  $('#content').hidden = true;
  showNotice(null);
  setText('#updated', '');
  $('#token').hidden = false;
  setText('#token-error', message);
  $('#token-input').value = '';
  $('#token-input').focus();
}

function hideToken() {
  $('#token').hidden = true;
  setText('#token-error', '');
}

// ---- rendering -------------------------------------------------------------------------------

function render() {
  const dep = state.deprecated;
  const series = state.series;
  $('#content').hidden = false;

  const empty = dep.total_requests === 0;
  const emptyNote = $('#empty');
  emptyNote.hidden = !empty;
  emptyNote.textContent = empty
    ? `No traffic yet in ${RANGES[state.range].label}. Requests through the gateway show up here within a few seconds of the usage flush; try a longer range if the gateway has been quiet.`
    : '';

  renderSummary(dep);
  renderChart(series, dep);
  renderSunsets(dep);
  renderClients();
}

function renderSummary(dep) {
  const share = dep.deprecated_share ?? 0;
  setText('#share', formatShare(share));
  $('#share').className = `big ${share >= 0.1 ? 'tone-bad' : share > 0 ? 'tone-warn' : 'tone-good'}`;
  $('#share-bar').style.width = `${Math.min(100, share * 100)}%`;
  setText('#share-detail', `${fmt(dep.deprecated_requests)} of ${fmt(dep.total_requests)} requests`);

  setText('#total', fmt(dep.total_requests));
  setText('#total-detail', `in ${RANGES[state.range].label} · latest version ${dep.head}`);

  // Distinct clients: one calling two deprecated versions is one client to move.
  setText('#client-total', fmt(dep.deprecated_client_count));
  const calling = dep.versions.filter((v) => v.requests > 0).length;
  setText('#client-total-detail', dep.versions.length === 0
    ? 'no version is deprecated'
    : `calling ${calling} of ${dep.versions.length} deprecated ${dep.versions.length === 1 ? 'version' : 'versions'}`);

  const upcoming = dep.versions
    .filter((v) => v.status === 'deprecated' && typeof v.days_to_sunset === 'number' && v.days_to_sunset > 0)
    .sort((a, b) => a.days_to_sunset - b.days_to_sunset)[0];
  const next = $('#next-sunset');
  if (upcoming) {
    next.textContent = daysText(upcoming.days_to_sunset);
    next.className = `big tone-${urgency(upcoming.days_to_sunset, upcoming.status)}`;
    setText('#next-sunset-detail', `${upcoming.version} on ${formatDate(upcoming.sunset)} · ${fmt(upcoming.client_count)} ${upcoming.client_count === 1 ? 'client' : 'clients'} still calling`);
  } else {
    next.textContent = 'none scheduled';
    next.className = 'big muted-big';
    setText('#next-sunset-detail', dep.versions.length ? 'no deprecated version has a sunset date ahead' : 'no version is deprecated');
  }
}

function withAlpha(hex, alpha) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Diagonal stripes: deprecated versions read as such without relying on colour. */
function hatch(color) {
  const size = 10;
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const g = tile.getContext('2d');
  g.fillStyle = withAlpha(color, 0.16);
  g.fillRect(0, 0, size, size);
  g.strokeStyle = withAlpha(color, 0.6);
  g.lineWidth = 2;
  g.beginPath();
  for (const offset of [-size, 0, size]) {
    g.moveTo(offset, size);
    g.lineTo(offset + size, 0);
  }
  g.stroke();
  return g.createPattern(tile, 'repeat');
}

function bucketLabel(iso, stepSeconds) {
  const date = new Date(iso);
  if (stepSeconds >= 86_400) return dayFormat.format(date);
  if (state.range === '24h') return timeFormat.format(date);
  return dayHourFormat.format(date);
}

function renderChart(series, dep) {
  const status = new Map(dep.versions.map((v) => [v.version, v.status]));
  const hasData = series.versions.some((v) => v.counts.some((c) => c > 0));
  const box = $('#chart-box');
  const empty = $('#chart-empty');
  box.hidden = !hasData;
  empty.hidden = hasData;
  empty.textContent = hasData ? '' : `No requests in ${RANGES[state.range].label}.`;
  renderSeriesTable(series, status);
  if (!hasData) return;

  if (typeof window.Chart !== 'function') {
    box.hidden = true;
    empty.hidden = false;
    empty.textContent = 'The chart library did not load; the numbers are in the table below.';
    return;
  }

  let active = 0;
  let deprecated = 0;
  const datasets = series.versions.map((v, i) => {
    const retired = v.deprecated || status.has(v.version);
    const color = retired ? DEPRECATED_COLORS[deprecated++ % DEPRECATED_COLORS.length] : ACTIVE_COLORS[active++ % ACTIVE_COLORS.length];
    const suffix = status.get(v.version) === 'sunset' ? ' (sunset)' : retired ? ' (deprecated)' : v.version === dep.head ? ' (latest)' : '';
    return {
      label: `${v.version}${suffix}`,
      data: v.counts,
      borderColor: color,
      backgroundColor: retired ? hatch(color) : withAlpha(color, 0.28),
      borderWidth: 2,
      borderDash: retired ? [6, 4] : [],
      pointRadius: 0,
      pointHoverRadius: 4,
      pointBackgroundColor: color,
      tension: 0.3,
      cubicInterpolationMode: 'monotone', // no overshoot below zero or above a bucket's count
      fill: i === 0 ? 'origin' : '-1',
    };
  });
  const labels = series.buckets.map((b) => bucketLabel(b, series.step_seconds));
  const total = series.buckets.map((_, i) => series.versions.reduce((n, v) => n + (v.counts[i] ?? 0), 0));
  $('#chart').setAttribute('aria-label', `Requests per version over ${RANGES[state.range].label}, stacked: ${
    series.versions.map((v) => `${v.version}${v.deprecated ? ' (deprecated)' : ''} ${fmt(v.counts.reduce((a, b) => a + b, 0))}`).join(', ')}. The numbers are also in the table below the chart.`);

  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update();
    return;
  }
  const Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#4a5360';
  chart = new Chart($('#chart'), {
    type: 'line',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 16 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, grid: { color: '#eceef1' }, border: { display: false } },
      },
      plugins: {
        legend: { position: 'bottom', align: 'start', labels: { boxWidth: 28, boxHeight: 12, padding: 16 } },
        tooltip: {
          itemSort: (a, b) => b.datasetIndex - a.datasetIndex,
          callbacks: {
            label: (item) => ` ${item.dataset.label}: ${fmt(item.parsed.y)}`,
            footer: (items) => items.length ? `Total: ${fmt(total[items[0].dataIndex] ?? 0)}` : '',
          },
        },
      },
    },
  });
}

function renderSeriesTable(series, status) {
  const table = $('#series-table');
  table.replaceChildren(
    h('caption', { className: 'visually-hidden', textContent: 'Requests per version per bucket' }),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', textContent: 'Bucket start' }),
      series.versions.map((v) => h('th', { scope: 'col', className: 'num', textContent: `${v.version}${v.deprecated || status.has(v.version) ? ' (deprecated)' : ''}` })))),
    h('tbody', {}, series.buckets.map((b, i) => h('tr', {},
      h('th', { scope: 'row', textContent: dateTimeFormat.format(new Date(b)) }),
      series.versions.map((v) => h('td', { className: 'num', textContent: fmt(v.counts[i] ?? 0) }))))),
  );
}

function renderSunsets(dep) {
  const tbody = $('#sunsets tbody');
  $('#sunsets-empty').hidden = dep.versions.length > 0;
  tbody.replaceChildren(...dep.versions.map((v) => {
    const level = urgency(v.days_to_sunset, v.status);
    return h('tr', { 'data-version': v.version },
      h('th', { scope: 'row' }, h('code', { textContent: v.version })),
      h('td', {}, statusBadge(v.status)),
      h('td', { textContent: formatDate(v.deprecated_since) }),
      h('td', { textContent: formatDate(v.sunset) }),
      h('td', { className: `num days tone-${level}` }, v.days_to_sunset === undefined
        ? h('span', { className: 'muted', textContent: 'no date' })
        : v.status === 'sunset' || v.days_to_sunset <= 0
          ? `passed${v.days_to_sunset < 0 ? ` ${fmt(-v.days_to_sunset)} days ago` : ' today'}`
          : fmt(v.days_to_sunset)),
      h('td', {}, v.successor ? h('code', { textContent: v.successor }) : h('span', { className: 'muted', textContent: '–' })),
      h('td', { className: 'num', textContent: fmt(v.requests) }),
      h('td', { className: 'num', textContent: fmt(v.client_count) }));
  }));
}

/** One row per (client, deprecated version) the API returned. */
function clientRows(dep) {
  const rows = [];
  for (const v of dep.versions) {
    for (const c of v.clients) rows.push({ ...c, version: v.version, status: v.status, days_to_sunset: v.days_to_sunset, sunset: v.sunset });
  }
  return rows;
}

function compareRows(key) {
  switch (key) {
    case 'client': return (a, b) => a.client.localeCompare(b.client);
    case 'version': return (a, b) => a.version.localeCompare(b.version) || b.requests - a.requests;
    case 'last_seen': return (a, b) => Date.parse(a.last_seen) - Date.parse(b.last_seen);
    default: return (a, b) => a.requests - b.requests;
  }
}

function renderClients() {
  const dep = state.deprecated;
  if (!dep) return;
  const all = clientRows(dep);
  const total = dep.versions.reduce((n, v) => n + v.client_count, 0);
  const needle = state.filter.trim().toLowerCase();
  const matches = needle
    ? all.filter((r) => r.client.toLowerCase().includes(needle) || (r.label ?? '').toLowerCase().includes(needle) || r.version.includes(needle))
    : all;
  const compare = compareRows(state.sort.key);
  matches.sort((a, b) => state.sort.dir * compare(a, b));
  const shown = matches.slice(0, MAX_ROWS);

  for (const th of document.querySelectorAll('#clients th[data-sort]')) {
    const key = th.getAttribute('data-sort');
    th.setAttribute('aria-sort', key === state.sort.key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  }

  $('#clients tbody').replaceChildren(...shown.map(clientRow));

  const noun = (n) => (n === 1 ? 'client' : 'clients');
  let note;
  if (needle) {
    note = `${fmt(matches.length)} of the ${fmt(all.length)} fetched match “${state.filter.trim()}”`;
    if (matches.length > shown.length) note += `; showing the first ${fmt(shown.length)}`;
    if (total > all.length) note += ` (the API returns the busiest ${fmt(CLIENT_LIMIT)} per version, of ${fmt(total)} in all)`;
  } else {
    note = `Showing ${fmt(shown.length)} of ${fmt(total)} ${noun(total)}`;
    if (total > shown.length) note += ` (the busiest ${fmt(CLIENT_LIMIT)} per version are fetched; filter or select one for its details)`;
  }
  setText('#clients-count', total === 0 && !needle ? '' : note);

  const emptyNote = $('#clients-empty');
  emptyNote.hidden = shown.length > 0;
  emptyNote.textContent = all.length === 0
    ? `No client called a deprecated version in ${RANGES[state.range].label}.`
    : `No fetched client matches “${state.filter.trim()}”.`;
  $('#clients').hidden = shown.length === 0;

  // A client outside the fetched top N can still be opened by its exact id.
  const lookup = $('#lookup');
  const exact = needle && all.some((r) => r.client === state.filter.trim());
  lookup.hidden = !needle || exact;
  if (!lookup.hidden) $('#lookup-button').textContent = `Look up client “${state.filter.trim()}”`;
}

function clientLink(id) {
  return h('a', { className: 'client-link', href: hashFor({ client: id }), textContent: id, 'data-client': id });
}

function clientRow(r) {
  const impact = r.impact ?? [];
  const shownImpact = impact.slice(0, 2);
  return h('tr', { 'data-client': r.client, 'data-version': r.version },
    h('th', { scope: 'row', className: 'client-cell' },
      clientLink(r.client),
      h('span', { className: 'client-meta' },
        r.label ? h('span', { className: 'client-label', textContent: r.label }) : null,
        h('span', { className: 'muted', textContent: kindLabel(r.kind, r.verified) }))),
    h('td', {},
      h('code', { textContent: r.version }),
      h('span', { className: `sub tone-${urgency(r.days_to_sunset, r.status)}`, textContent: r.status === 'sunset' ? 'sunset' : `sunset ${daysText(r.days_to_sunset)}` })),
    h('td', { className: 'num requests', 'data-label': 'Requests', textContent: fmt(r.requests) }),
    h('td', { className: 'num', 'data-label': 'Last seen' }, timeAgo(r.last_seen)),
    h('td', { className: 'impact' },
      impact.length === 0
        ? h('span', { className: 'muted', textContent: 'No change touches the operations it calls' })
        : h('ul', { className: 'changes' },
          shownImpact.map((change) => changeItem(change, false)),
          impact.length > shownImpact.length ? h('li', { className: 'muted more', textContent: `and ${impact.length - shownImpact.length} more (select the client)` }) : null)));
}

/** One change a client would meet; the table leaves out the operations, the drill-down names them. */
function changeItem(change, withOperations = true) {
  return h('li', {},
    h('code', { className: 'change-id', textContent: change.change }),
    h('span', { className: 'change-desc', textContent: change.description }),
    withOperations && change.operations?.length ? h('span', { className: 'change-ops muted', textContent: change.operations.join(', ') }) : null);
}

// ---- drill-down ------------------------------------------------------------------------------

async function openDetail(id) {
  const dialog = $('#detail');
  const seq = ++state.detailSeq;
  setText('#detail-title', id);
  setText('#detail-sub', '');
  $('#detail-body').replaceChildren(h('p', { className: 'muted', textContent: 'Loading…' }));
  if (!dialog.open) dialog.showModal();
  const { from, to } = timeWindow();
  try {
    const detail = await api(`usage/clients/${encodeURIComponent(id)}`, { from, to });
    if (seq !== state.detailSeq) return;
    renderDetail(detail);
  } catch (error) {
    if (seq !== state.detailSeq) return;
    if (error instanceof AuthError) {
      dialog.close();
      failed(error);
      return;
    }
    const text = error instanceof ApiError && error.status === 404
      ? `No usage recorded for “${id}” in ${RANGES[state.range].label}.`
      : `The client's usage could not be loaded: ${error.message}`;
    $('#detail-body').replaceChildren(h('p', { className: 'notice notice-error', textContent: text }));
  }
}

function renderDetail(d) {
  setText('#detail-title', d.client);
  setText('#detail-sub', [d.label, kindLabel(d.kind, d.verified)].filter(Boolean).join(' · '));
  const deprecatedVersions = d.versions.filter((v) => v.deprecated);

  const facts = h('dl', { className: 'facts' },
    fact('Requests', fmt(d.requests), 'num'),
    fact('Pinned to', d.pin ? h('code', { textContent: d.pin }) : h('span', { className: 'muted', textContent: 'not pinned' })),
    fact('First seen', d.first_seen ? timeAgo(d.first_seen) : '–'),
    fact('Last seen', d.last_seen ? timeAgo(d.last_seen) : '–'));

  const sections = [facts];
  if (d.requests === 0) {
    sections.push(h('p', { className: 'empty-inline', textContent: `No requests from this client in ${RANGES[state.range].label}.` }));
  }

  if (d.versions.length) {
    sections.push(h('section', { className: 'drawer-section' },
      h('h3', { textContent: 'Versions' }),
      h('table', { className: 'grid compact' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', textContent: 'Version' }), h('th', { scope: 'col', textContent: 'Status' }),
          h('th', { scope: 'col', className: 'num', textContent: 'Requests' }), h('th', { scope: 'col', className: 'num', textContent: 'Last seen' }))),
        h('tbody', {}, d.versions.map((v) => h('tr', { 'data-version': v.version },
          h('th', { scope: 'row' }, h('code', { textContent: v.version })),
          h('td', {}, statusBadge(v.deprecated ? 'deprecated' : 'active')),
          h('td', { className: 'num', textContent: fmt(v.requests) }),
          h('td', { className: 'num' }, timeAgo(v.last_seen))))))));
  }

  sections.push(h('section', { className: 'drawer-section' },
    h('h3', { textContent: 'Migration impact' }),
    d.impact.length === 0
      ? h('p', { className: 'muted', textContent: deprecatedVersions.length ? 'No change between its versions and the latest touches the operations it calls.' : 'This client calls no deprecated version.' })
      : d.impact.map((group) => h('div', { className: 'impact-group' },
        h('p', { className: 'impact-head' }, 'From ', h('code', { textContent: group.version }), ` to the latest version: ${group.changes.length} ${group.changes.length === 1 ? 'change' : 'changes'}`),
        group.changes.length ? h('ul', { className: 'changes' }, group.changes.map((change) => changeItem(change))) : null))));

  if (d.operations.length) {
    const ops = d.operations.slice(0, MAX_DETAIL_OPERATIONS);
    sections.push(h('section', { className: 'drawer-section' },
      h('h3', { textContent: 'Operations' }),
      d.operations.length > ops.length ? h('p', { className: 'muted', textContent: `The ${fmt(ops.length)} busiest of ${fmt(d.operations.length)}.` }) : null,
      h('div', { className: 'scroll' }, h('table', { className: 'grid compact' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', textContent: 'Operation' }), h('th', { scope: 'col', textContent: 'Version' }),
          h('th', { scope: 'col', className: 'num', textContent: 'Requests' }), h('th', { scope: 'col', className: 'num', textContent: 'Last seen' }))),
        h('tbody', {}, ops.map((o) => h('tr', {},
          h('th', { scope: 'row' }, h('code', { textContent: o.operation })),
          h('td', {}, h('code', { textContent: o.version })),
          h('td', { className: 'num', textContent: fmt(o.requests) }),
          h('td', { className: 'num' }, timeAgo(o.last_seen)))))))));
  }

  $('#detail-body').replaceChildren(...sections);
}

function fact(term, value, className) {
  return h('div', {}, h('dt', { textContent: term }), h('dd', { className }, value));
}

function syncDetail() {
  const dialog = $('#detail');
  if (state.client) openDetail(state.client);
  else if (dialog.open) dialog.close();
}

// ---- events ----------------------------------------------------------------------------------

function applyHash() {
  const next = readHash();
  const rangeChanged = next.range !== state.range;
  const clientChanged = next.client !== state.client;
  state.range = next.range;
  state.client = next.client;
  $(`#range-${state.range}`).checked = true;
  if (rangeChanged) load();
  if (clientChanged || (rangeChanged && state.client)) syncDetail();
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function init() {
  const initial = readHash();
  state.range = initial.range;
  state.client = initial.client;
  $(`#range-${state.range}`).checked = true;
  setToken(getToken());

  $('#range').addEventListener('change', (event) => {
    state.range = event.target.value;
    replaceHash(hashFor());
    load();
    if (state.client) openDetail(state.client);
  });
  $('#refresh').addEventListener('click', () => load());
  $('#forget-token').addEventListener('click', () => {
    setToken(null);
    load();
  });
  $('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('#token-input').value.trim();
    if (!token) {
      setText('#token-error', 'Enter the token.');
      return;
    }
    setToken(token);
    hideToken();
    load().then((ok) => { if (ok && state.client) openDetail(state.client); });
  });

  const refilter = debounce(() => renderClients(), 120);
  $('#filter').addEventListener('input', (event) => {
    state.filter = event.target.value;
    refilter();
  });
  $('#lookup-button').addEventListener('click', () => { location.hash = hashFor({ client: state.filter.trim() }); });

  for (const th of document.querySelectorAll('#clients th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.getAttribute('data-sort');
      state.sort = key === state.sort.key
        ? { key, dir: -state.sort.dir }
        : { key, dir: key === 'client' || key === 'version' ? 1 : -1 };
      renderClients();
    });
  }

  window.addEventListener('hashchange', applyHash);
  const dialog = $('#detail');
  $('#detail-close').addEventListener('click', () => dialog.close());
  // Closing (button, Esc, backdrop) drops the client from the URL.
  dialog.addEventListener('close', () => {
    state.detailSeq++;
    if (state.client) {
      state.client = null;
      replaceHash(hashFor());
    }
  });
  // A click on the backdrop (outside the drawer's box) closes it too.
  dialog.addEventListener('click', (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    if (event.clientX < box.left || event.clientX > box.right || event.clientY < box.top || event.clientY > box.bottom) dialog.close();
  });

  // Keep the numbers fresh while the tab is visible.
  setInterval(() => { if (document.visibilityState === 'visible' && $('#token').hidden) load(); }, REFRESH_MS);

  load().then((ok) => { if (ok && state.client) openDetail(state.client); });
}

init();
