/**
 * Test helpers for adapter authors (`import { expectTranslation } from 'verso/testing'`): given a
 * body at one version, check the body the gateway makes of it at another, without starting a
 * gateway or an upstream. The changes, spec and versions are those a gateway config names, loaded
 * once per config file and translated by the same chains the gateway builds at start-up. The
 * assertion is node:assert's, so it works under vitest, jest, mocha and `node --test` alike.
 */

import { AssertionError, deepStrictEqual } from 'node:assert';
import { resolve } from 'node:path';
import { loadConfigFile } from './config/load.js';
import type { GatewayConfig } from './config/types.js';
import type { Json } from './translate/authoring.js';
import { buildRequestChain, buildResponseChain } from './translate/chain.js';
import { findOperation } from './translate/spec.js';
import { loadTranslator, type Translator } from './translate/translator.js';

/**
 * What to translate: a response (moved from the upstream's version to the client's) or a request
 * (moved from the client's version to the upstream's). Give exactly one of `response` and `request`.
 *
 * @example
 * ```ts
 * const options: TranslateOptions = {
 *   config: 'gateway.yaml',
 *   operation: 'POST /orders',
 *   from: '2024-01-01', to: 'v4',
 *   request: { body: { customer: 'cus_0001', amount: '19.99' } },
 * };
 * ```
 */
export interface TranslateOptions {
  /** Gateway config file; default `gateway.yaml` in the working directory. */
  config?: string;
  /** `METHOD /path/{template}` or an operationId, as the head version names it (or as `from` does). */
  operation: string;
  /**
   * The version the body is in: for a response, the version the upstream speaks; for a request,
   * the client's. A version id or an alias.
   */
  from: string;
  /** The version to translate to: the client's for a response, the upstream's for a request. */
  to: string;
  /** A response: status (default 200), body and optional headers. */
  response?: { status?: number; body?: Json; headers?: Record<string, string> };
  /** A request: body, headers and query, each optional. */
  request?: { body?: Json; headers?: Record<string, string>; query?: Record<string, string | string[]> };
}

/**
 * The translated message, as the gateway would send it on.
 *
 * @example
 * ```ts
 * const { status, body, changes }: Translation = await translate({
 *   operation: 'POST /orders', from: 'v4', to: 'v3', response: { status: 201, body: order },
 * });
 * ```
 */
export interface Translation {
  /** Responses only: the status after the changes (a change may map 201 to 200). */
  status?: number;
  /** The body as it crosses the wire: `undefined` members are gone, as after JSON.stringify. */
  body: Json | undefined;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Requests only. */
  query?: Record<string, string | string[]>;
  /**
   * Ids of the changes that apply to the operation between the two versions
   * (`2025-06-01/order-customer-id`), whether or not this body had what they change.
   */
  changes: string[];
}

/**
 * `TranslateOptions` and what to expect at `to`.
 *
 * @example
 * ```ts
 * await expectTranslation({
 *   operation: 'GET /orders/{id}', from: '2024-09-01', to: '2024-01-01',
 *   response: { status: 404, body: { error: { code: 'order_not_found', message: 'No order.' } } },
 *   expected: { error: { type: 'order_not_found', message: 'No order.' } },
 *   expectedStatus: 404,
 * });
 * ```
 */
export interface ExpectTranslationOptions extends TranslateOptions {
  /** The body expected at `to`. */
  expected: Json | undefined;
  /** Responses only: the status expected at `to`; not checked when omitted. */
  expectedStatus?: number;
}

interface Loaded { config: GatewayConfig; translator: Translator }

const loaded = new Map<string, Promise<Loaded>>();

async function load(file: string): Promise<Loaded> {
  const path = resolve(file);
  let entry = loaded.get(path);
  if (!entry) {
    entry = (async () => {
      const config = loadConfigFile(path);
      const translator = await loadTranslator(config);
      if (!translator) throw new Error(`${path}: has no translation section, so there is nothing to translate`);
      return { config, translator };
    })();
    loaded.set(path, entry);
    entry.catch(() => loaded.delete(path)); // a fixed file is read again
  }
  return entry;
}

function versionId(config: GatewayConfig, name: string, option: string): string {
  const found = config.versions.find((v) => v.id === name || v.aliases.includes(name));
  if (!found) throw new Error(`${option}: unknown version "${name}"; versions in ${config.file}: ${config.versions.map((v) => (v.aliases.length ? `${v.id} (${v.aliases.join(', ')})` : v.id)).join(', ')}`);
  return found.id;
}

function headKeyOf(translator: Translator, name: string, versions: string[]): string {
  const { model } = translator;
  const head = findOperation(model.docs.get(model.head)!, name);
  if (head) return head.key;
  for (const version of versions) {
    const op = findOperation(model.docs.get(version)!, name);
    const entry = op && [...model.operationKeys.get(version)!].find(([, key]) => key === op.key);
    if (entry) return entry[0];
  }
  throw new Error(`operation: no operation "${name}" at ${[model.head, ...versions].join(' or ')}; write it as "METHOD /path/{template}" or an operationId`);
}

/**
 * Translate a response or a request between two versions and return the result, without
 * asserting anything. Exactly one of `response` and `request` must be given.
 *
 * @example
 * ```ts
 * import { translate } from 'verso/testing';
 *
 * const older = await translate({
 *   operation: 'GET /orders/{id}',
 *   from: '2025-06-01', to: '2024-09-01',
 *   response: { status: 200, body: { id: 'ord_1', customer_id: 'cus_1' } },
 * });
 * console.log(older.body); // { id: 'ord_1', customer: 'cus_1' }
 * ```
 */
export async function translate(options: TranslateOptions): Promise<Translation> {
  if (!options.response === !options.request) throw new Error('translate: give exactly one of `response` and `request`');
  const { config, translator } = await load(options.config ?? 'gateway.yaml');
  const from = versionId(config, options.from, 'from');
  const to = versionId(config, options.to, 'to');
  const key = headKeyOf(translator, options.operation, [from, to]);
  for (const version of [from, to]) {
    if (!translator.model.operationKeys.get(version)!.has(key)) throw new Error(`operation: ${key} does not exist at ${version}`);
  }
  const lower = (headers: Record<string, string> = {}) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const wire = (body: Json | undefined) => (body === undefined ? undefined : JSON.parse(JSON.stringify(body)) as Json);

  if (options.response) {
    const chain = buildResponseChain(translator.model, key, from, to);
    const parts = { status: options.response.status ?? 200, body: structuredClone(options.response.body), headers: lower(options.response.headers) };
    chain.run(parts);
    return { status: parts.status, body: wire(parts.body), headers: parts.headers, changes: chain.changeIds };
  }
  const chain = buildRequestChain(translator.model, key, from, to);
  const request = options.request!;
  const parts = { body: structuredClone(request.body), headers: lower(request.headers), query: structuredClone(request.query ?? {}) };
  chain.run(parts);
  return { body: wire(parts.body), headers: parts.headers, query: parts.query, changes: chain.changeIds };
}

/**
 * Given a body at version `from`, expect `expected` at version `to`: the response the client at
 * `to` gets from an upstream speaking `from`, or the request an upstream speaking `to` gets from
 * a client at `from`. Throws node:assert's `AssertionError` with a diff when they differ.
 *
 * @example
 * ```ts
 * import { it } from 'vitest';
 * import { expectTranslation } from 'verso/testing';
 *
 * it('calls customer_id customer for 2024-09-01 clients', async () => {
 *   await expectTranslation({
 *     operation: 'GET /orders/{id}',
 *     from: '2025-06-01', to: 'v3',
 *     response: { status: 200, body: { id: 'ord_1', customer_id: 'cus_1' } },
 *     expected: { id: 'ord_1', customer: 'cus_1' },
 *   });
 * });
 * ```
 */
export async function expectTranslation(options: ExpectTranslationOptions): Promise<void> {
  const result = await translate(options);
  const what = `${options.operation} ${options.response ? `response ${options.response.status ?? 200}` : 'request'} from ${options.from} to ${options.to}`;
  try {
    if (options.expectedStatus !== undefined) deepStrictEqual(result.status, options.expectedStatus, `${what}: status ${result.status}, expected ${options.expectedStatus}`);
    deepStrictEqual(result.body, options.expected);
  } catch (err) {
    if (!(err instanceof AssertionError)) throw err;
    const changes = result.changes.length > 0 ? ` (changes: ${result.changes.join(', ')})` : ' (no change applies)';
    throw new AssertionError({ message: `${what}${changes}:\n${err.message}`, actual: err.actual, expected: err.expected, operator: err.operator });
  }
}
