// @ts-check
// "Clients on deprecated versions": one row per (client, deprecated version) the API returned,
// filtered and sorted in the page, with the changes each would meet moving to the latest version.

import { $, h, setText } from './dom.js';
import { daysText, fmt, kindLabel, timeAgo, urgency } from './format.js';
import { CLIENT_LIMIT, MAX_ROWS, RANGES, hashFor, state } from './state.js';

/** @typedef {import('../../usage/api-types.js').DeprecatedReport} DeprecatedReport */
/** @typedef {import('../../usage/api-types.js').DeprecatedClient} DeprecatedClient */
/** @typedef {import('../../usage/api-types.js').DeprecatedVersion} DeprecatedVersion */
/** @typedef {import('../../usage/api-types.js').ImpactChange} ImpactChange */
/** @typedef {import('./state.js').SortKey} SortKey */
/**
 * A client on one deprecated version, with that version's lifecycle.
 * @typedef {DeprecatedClient & Pick<DeprecatedVersion, 'version' | 'status' | 'days_to_sunset' | 'sunset'>} ClientRow
 */

/**
 * One row per (client, deprecated version) the API returned.
 * @param {DeprecatedReport} dep
 * @returns {ClientRow[]}
 */
function clientRows(dep) {
  /** @type {ClientRow[]} */
  const rows = [];
  for (const v of dep.versions) {
    for (const c of v.clients) rows.push({ ...c, version: v.version, status: v.status, days_to_sunset: v.days_to_sunset, sunset: v.sunset });
  }
  return rows;
}

/**
 * @param {SortKey} key
 * @returns {(a: ClientRow, b: ClientRow) => number}
 */
function compareRows(key) {
  switch (key) {
    case 'client': return (a, b) => a.client.localeCompare(b.client);
    case 'version': return (a, b) => a.version.localeCompare(b.version) || b.requests - a.requests;
    case 'last_seen': return (a, b) => Date.parse(a.last_seen) - Date.parse(b.last_seen);
    default: return (a, b) => a.requests - b.requests;
  }
}

export function renderClients() {
  const dep = state.deprecated;
  if (!dep) return;
  const all = clientRows(dep);
  // Rows, not clients: a client on two deprecated versions has a row for each.
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

  /** @param {number} n */
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
  lookup.hidden = !needle || Boolean(exact);
  if (!lookup.hidden) $('#lookup-button').textContent = `Look up client “${state.filter.trim()}”`;
}

/** @param {string} id */
function clientLink(id) {
  return h('a', { className: 'client-link', href: hashFor({ client: id }), textContent: id, 'data-client': id });
}

/** @param {ClientRow} r */
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

/**
 * One change a client would meet; the table leaves out the operations, the drill-down names them.
 * @param {ImpactChange} change
 * @param {boolean} [withOperations]
 */
export function changeItem(change, withOperations = true) {
  return h('li', {},
    h('code', { className: 'change-id', textContent: change.change }),
    h('span', { className: 'change-desc', textContent: change.description }),
    withOperations && change.operations?.length ? h('span', { className: 'change-ops muted', textContent: change.operations.join(', ') }) : null);
}
