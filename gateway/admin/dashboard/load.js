// @ts-check
// Loading the reports for the selected range and rendering them, the notices, and asking for
// the admin token when the API wants one.

import { ApiError, AuthError, configStatus, deprecatedReport, getToken, setToken, usageSeries } from './api.js';
import { renderClients } from './clients-table.js';
import { $, setText } from './dom.js';
import { timeFormat } from './format.js';
import { renderChart } from './series-chart.js';
import { CLIENT_LIMIT, RANGES, state, timeWindow } from './state.js';
import { renderSummary, renderSunsets } from './summary.js';

/**
 * Fetch the reports for the selected range and render them; resolves to whether that worked.
 * @returns {Promise<boolean | undefined>} undefined when a later load overtook this one
 */
export async function load() {
  const seq = ++state.loadSeq;
  const { from, to, step } = timeWindow();
  const refresh = $('#refresh', HTMLButtonElement);
  document.body.classList.add('loading');
  if (!state.deprecated) setText('#updated', 'Loading…');
  refresh.disabled = true;
  try {
    const [deprecated, series, config] = await Promise.all([
      deprecatedReport({ from, to, limit: CLIENT_LIMIT }),
      usageSeries({ from, to, step }),
      configStatus(),
    ]);
    if (seq !== state.loadSeq) return;
    renderConfig(config);
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
      refresh.disabled = false;
    }
  }
}

/** @param {unknown} error */
export function failed(error) {
  if (error instanceof AuthError) {
    const hadToken = Boolean(getToken());
    if (hadToken) setToken(null);
    askForToken(hadToken ? 'That token was not accepted. Check admin.token in the gateway\'s configuration.' : '');
    return;
  }
  const detail = error instanceof Error ? error.message : String(error);
  const what = error instanceof ApiError && error.status === 503 ? 'The usage store is unavailable' : 'The usage data could not be loaded';
  showNotice(`${what}: ${detail}`, 'error');
}

/**
 * @param {string | null} text
 * @param {'info' | 'error'} [kind]
 */
function showNotice(text, kind = 'info') {
  const notice = $('#notice');
  notice.hidden = !text;
  notice.className = `notice notice-${kind}`;
  notice.textContent = text ?? '';
}

/** @param {string} message */
function askForToken(message) {
  const input = $('#token-input', HTMLInputElement);
  $('#content').hidden = true;
  showNotice(null);
  setText('#updated', '');
  $('#token').hidden = false;
  setText('#token-error', message);
  input.value = '';
  input.focus();
}

export function hideToken() {
  $('#token').hidden = true;
  setText('#token-error', '');
}

function render() {
  const dep = state.deprecated;
  const series = state.series;
  if (!dep || !series) return;
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

/**
 * The footer: which configuration runs and how the last reload went (issue 13), so someone
 * reading the numbers knows a lifecycle edit has taken effect, or that it was refused.
 * @param {import('./api.js').ConfigStatus | null} config
 */
function renderConfig(config) {
  const footer = $('#config');
  footer.classList.remove('error');
  if (!config) {
    footer.textContent = '';
    return;
  }
  const loaded = `Configuration ${config.config_hash}, loaded ${timeFormat.format(new Date(config.loaded_at))}`;
  const last = config.last_reload;
  if (last?.result === 'failure') {
    const problems = last.problems ?? [];
    footer.classList.add('error');
    footer.textContent = `${loaded}. The last reload (${last.trigger}, ${timeFormat.format(new Date(last.at))}) failed with ${problems.length} problem${problems.length === 1 ? '' : 's'}; this configuration is still running. ${problems[0] ?? ''}`;
  } else {
    const restart = last?.restart_required?.length ? ` ${last.restart_required.join(', ')} changed and take effect at the next restart.` : '';
    footer.textContent = `${loaded}${last ? ` by a reload (${last.trigger})` : ' at start-up'}.${restart}`;
  }
}
