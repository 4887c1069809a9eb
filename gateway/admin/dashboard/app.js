// @ts-check
// The usage dashboard's entry module: wires the controls, the URL hash and the refresh timer to
// the modules that load and render. It reads the admin usage API (gateway/admin/usage-routes.ts;
// the JSON shapes are in gateway/usage/types.ts). No build step, no dependencies but Chart.js,
// which the page loads first as a classic script (window.Chart).
//
//   api.js            the admin API client and the admin token
//   state.js          what is selected and shown, the URL hash
//   load.js           loading the reports, notices, the token prompt
//   summary.js        the summary cards and the days-to-sunset table
//   series-chart.js   the requests-per-version chart and its table
//   clients-table.js  the clients on deprecated versions: filter, sort, rows
//   detail.js         one client's drill-down
//   dom.js, format.js element building and how values read

import { getToken, setToken } from './api.js';
import { renderClients } from './clients-table.js';
import { openDetail, syncDetail } from './detail.js';
import { $, setText } from './dom.js';
import { hideToken, load } from './load.js';
import { REFRESH_MS, hashFor, isRange, readHash, replaceHash, state } from './state.js';

function applyHash() {
  const next = readHash();
  const rangeChanged = next.range !== state.range;
  const clientChanged = next.client !== state.client;
  state.range = next.range;
  state.client = next.client;
  $(`#range-${state.range}`, HTMLInputElement).checked = true;
  if (rangeChanged) load();
  if (clientChanged || (rangeChanged && state.client)) syncDetail();
}

/**
 * @template {unknown[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 * @returns {(...args: A) => void}
 */
function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
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
  $(`#range-${state.range}`, HTMLInputElement).checked = true;
  setToken(getToken());

  $('#range').addEventListener('change', (event) => {
    const value = /** @type {HTMLInputElement} */ (event.target).value;
    if (!isRange(value)) return;
    state.range = value;
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
    const token = $('#token-input', HTMLInputElement).value.trim();
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
    state.filter = /** @type {HTMLInputElement} */ (event.target).value;
    refilter();
  });
  $('#lookup-button').addEventListener('click', () => { location.hash = hashFor({ client: state.filter.trim() }); });

  for (const th of document.querySelectorAll('#clients th[data-sort]')) {
    th.querySelector('button')?.addEventListener('click', () => {
      const key = /** @type {import('./state.js').SortKey} */ (th.getAttribute('data-sort'));
      state.sort = key === state.sort.key
        ? { key, dir: state.sort.dir > 0 ? -1 : 1 }
        : { key, dir: key === 'client' || key === 'version' ? 1 : -1 };
      renderClients();
    });
  }

  window.addEventListener('hashchange', applyHash);
  const dialog = $('#detail', HTMLDialogElement);
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
