// @ts-check
// The admin usage API (gateway/admin/usage-routes.ts; the JSON shapes are gateway/usage/types.ts)
// and the admin token the page sends with it, kept for the tab only.

import { $ } from './dom.js';

/** @typedef {import('../../usage/api-types.js').DeprecatedReport} DeprecatedReport */
/** @typedef {import('../../usage/api-types.js').UsageSeries} UsageSeries */
/** @typedef {import('../../usage/api-types.js').ClientDetail} ClientDetail */
/** @typedef {{ detail?: string, title?: string }} ProblemBody An RFC 9457 problem, as far as the page reads it. */

const TOKEN_KEY = 'verso.adminToken';
/** @type {string | null} In-memory fallback when sessionStorage is unavailable (privacy modes). */
let memoryToken = null;

/** The admin API answered 401: the page needs (another) token. */
export class AuthError extends Error {}

export class ApiError extends Error {
  /**
   * @param {number} status 0 when the gateway did not answer
   * @param {ProblemBody | null} problem
   */
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The admin API answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/** @returns {string | null} */
export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return memoryToken; }
}

/** @param {string | null} token */
export function setToken(token) {
  memoryToken = token;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the in-memory copy lasts until the tab reloads */ }
  $('#forget-token').hidden = !token;
}

/**
 * GET an admin API path relative to the page (so a path prefix in front of the admin listener holds).
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [params]
 * @returns {Promise<unknown>}
 */
async function get(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value));
  /** @type {Record<string, string>} */
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

/**
 * `GET /usage/deprecated`: who still calls deprecated or sunset versions.
 * @param {{ from: string, to: string, limit: number }} params
 * @returns {Promise<DeprecatedReport>}
 */
export async function deprecatedReport(params) {
  return /** @type {DeprecatedReport} */ (await get('usage/deprecated', params));
}

/**
 * `GET /usage/series`: requests per version over time.
 * @param {{ from: string, to: string, step: string }} params
 * @returns {Promise<UsageSeries>}
 */
export async function usageSeries(params) {
  return /** @type {UsageSeries} */ (await get('usage/series', params));
}

/**
 * `GET /usage/clients/{id}`: one client's drill-down.
 * @param {string} id
 * @param {{ from: string, to: string }} params
 * @returns {Promise<ClientDetail>}
 */
export async function clientDetail(id, params) {
  return /** @type {ClientDetail} */ (await get(`usage/clients/${encodeURIComponent(id)}`, params));
}

/**
 * @typedef {{ result: 'success' | 'failure', trigger: string, at: string, config_hash: string, problems?: string[], restart_required?: string[] }} ReloadResult
 * @typedef {{ file: string, config_hash: string, loaded_at: string, last_reload?: ReloadResult }} ConfigStatus
 */

/**
 * The running configuration and the last reload, from `GET /health/ready` (gateway/reload.ts
 * `ConfigStatus`). Readiness answers 503 while an upstream is down and still says which
 * configuration runs, so any JSON answer counts; null when there is none to show.
 * @returns {Promise<ConfigStatus | null>}
 */
export async function configStatus() {
  try {
    const res = await fetch(new URL('health/ready', document.baseURI), { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
    const body = /** @type {{ config?: ConfigStatus }} */ (await res.json());
    return body.config ?? null;
  } catch {
    return null;
  }
}
