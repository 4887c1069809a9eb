// @ts-check
// The drill-down drawer for one client: its versions, operations, pin and migration impact.

import { ApiError, AuthError, clientDetail } from './api.js';
import { changeItem } from './clients-table.js';
import { $, h, setText } from './dom.js';
import { fmt, kindLabel, statusBadge, timeAgo } from './format.js';
import { failed } from './load.js';
import { MAX_DETAIL_OPERATIONS, RANGES, state, timeWindow } from './state.js';

/** @typedef {import('../../usage/api-types.js').ClientDetail} ClientDetail */
/** @typedef {import('./dom.js').Child} Child */

/** @param {string} id */
export async function openDetail(id) {
  const dialog = $('#detail', HTMLDialogElement);
  const seq = ++state.detailSeq;
  setText('#detail-title', id);
  setText('#detail-sub', '');
  $('#detail-body').replaceChildren(h('p', { className: 'muted', textContent: 'Loading…' }));
  if (!dialog.open) dialog.showModal();
  const { from, to } = timeWindow();
  try {
    const detail = await clientDetail(id, { from, to });
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
      : `The client's usage could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    $('#detail-body').replaceChildren(h('p', { className: 'notice notice-error', textContent: text }));
  }
}

/** @param {ClientDetail} d */
function renderDetail(d) {
  setText('#detail-title', d.client);
  setText('#detail-sub', [d.label, kindLabel(d.kind, d.verified)].filter(Boolean).join(' · '));
  const deprecatedVersions = d.versions.filter((v) => v.deprecated);

  const facts = h('dl', { className: 'facts' },
    fact('Requests', fmt(d.requests), 'num'),
    fact('Pinned to', d.pin ? h('code', { textContent: d.pin }) : h('span', { className: 'muted', textContent: 'not pinned' })),
    fact('First seen', d.first_seen ? timeAgo(d.first_seen) : '–'),
    fact('Last seen', d.last_seen ? timeAgo(d.last_seen) : '–'));

  /** @type {HTMLElement[]} */
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

/**
 * @param {string} term
 * @param {Child} value
 * @param {string} [className]
 */
function fact(term, value, className) {
  return h('div', {}, h('dt', { textContent: term }), h('dd', { className }, value));
}

/** Open the drawer on the client the URL names, or close it. */
export function syncDetail() {
  const dialog = $('#detail', HTMLDialogElement);
  if (state.client) openDetail(state.client);
  else if (dialog.open) dialog.close();
}
