// @ts-check
// The summary cards and the "Days to sunset" table.

import { $, h, setText } from './dom.js';
import { daysText, fmt, formatDate, formatShare, statusBadge, urgency } from './format.js';
import { RANGES, state } from './state.js';

/** @typedef {import('../../usage/api-types.js').DeprecatedReport} DeprecatedReport */

/** @param {DeprecatedReport} dep */
export function renderSummary(dep) {
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
    .sort((a, b) => /** @type {number} */ (a.days_to_sunset) - /** @type {number} */ (b.days_to_sunset))[0];
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

/** @param {DeprecatedReport} dep */
export function renderSunsets(dep) {
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
