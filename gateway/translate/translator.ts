/**
 * The translation engine as the request path sees it: which operation a request is, in the
 * client's version, and the chains to apply for (operation, client version, upstream version).
 * Everything is built at start-up; per request there is a template match and a map lookup.
 */

import { dirname, resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.js';
import { loadBundle, TranslationError } from './bundle.js';
import { buildRequestChain, buildResponseChain, ChainError, type RequestChain, type ResponseChain } from './chain.js';
import { buildModel, type VersionModel } from './model.js';
import { loadSpec, operations } from './spec.js';

export interface TranslationPlan {
  /** Head operation key, e.g. `GET /orders/{id}`. */
  operation: string;
  /** The path to send upstream (differs when the endpoint was renamed between the versions). */
  upstreamPath: string;
  /** Present when the request must be rewritten. */
  request?: RequestChain;
  /** Present when the response must be rewritten. */
  response?: ResponseChain;
}

/** The operation exists in some version, but not in the client's. */
export const NOT_IN_VERSION = Symbol('not-in-version');

interface Template {
  headKey: string;
  method: string;
  regex: RegExp;
  params: string[];
  path: string;
  literal: number;
}

function compileTemplate(headKey: string, key: string): Template {
  const space = key.indexOf(' ');
  const method = key.slice(0, space);
  const path = key.slice(space + 1);
  const params: string[] = [];
  const pattern = path.split('/').map((segment) => segment.replace(/\{([^}]+)\}|[^{}]+/g, (m, name: string | undefined) => {
    if (name) { params.push(name); return '([^/]+)'; }
    return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  })).join('/');
  return { headKey, method, regex: new RegExp(`^${pattern}/?$`), params, path, literal: path.replace(/\{[^}]+\}/g, '').length };
}

function fill(path: string, values: Map<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => values.get(name) ?? '');
}

export class Translator {
  private readonly routers = new Map<string, Template[]>();
  private readonly chains = new Map<string, { request?: RequestChain; response?: ResponseChain }>();

  constructor(readonly model: VersionModel, upstreamVersions: Iterable<string>) {
    for (const version of model.versions) {
      const templates = [...model.operationKeys.get(version)!].map(([headKey, key]) => compileTemplate(headKey, key));
      // More literal text first: `/orders/export` before `/orders/{id}`.
      templates.sort((a, b) => b.literal - a.literal);
      this.routers.set(version, templates);
    }
    const problems: { file: string; message: string }[] = [];
    const fileOf = new Map(model.changes.map((c) => [c.id, c.file]));
    const targets = [...new Set(upstreamVersions)];
    for (const client of model.versions) {
      for (const upstream of targets) {
        if (client === upstream) continue;
        for (const headKey of model.operationKeys.get(client)!.keys()) {
          if (!model.operationKeys.get(upstream)!.has(headKey)) continue;
          try {
            const request = buildRequestChain(model, headKey, client, upstream);
            const response = buildResponseChain(model, headKey, upstream, client);
            this.chains.set(`${headKey}\u0000${client}\u0000${upstream}`, {
              request: request.active ? request : undefined,
              response: response.active ? response : undefined,
            });
          } catch (err) {
            if (err instanceof ChainError) problems.push({ file: fileOf.get(err.changeId) ?? 'versions/', message: `${headKey}: ${err.message}` });
            else throw err;
          }
        }
      }
    }
    if (problems.length > 0) throw new TranslationError(problems);
  }

  /** The plan for a request, `NOT_IN_VERSION`, or undefined when it passes through untouched. */
  plan(method: string, path: string, clientVersion: string, upstreamVersion: string): TranslationPlan | typeof NOT_IN_VERSION | undefined {
    const match = this.match(method, path, clientVersion);
    if (!match) {
      // Known in the upstream's version but not the client's: the endpoint is newer than the
      // client, or was renamed since (the client's version knows it under its old path).
      return this.match(method, path, upstreamVersion) ? NOT_IN_VERSION : undefined;
    }
    if (clientVersion === upstreamVersion) return undefined;
    const { template, values } = match;
    const upstreamKey = this.model.operationKeys.get(upstreamVersion)!.get(template.headKey);
    if (upstreamKey === undefined) return NOT_IN_VERSION;
    const chains = this.chains.get(`${template.headKey}\u0000${clientVersion}\u0000${upstreamVersion}`);
    const upstreamPath = upstreamKey === `${template.method} ${template.path}` ? path : fill(upstreamKey.slice(upstreamKey.indexOf(' ') + 1), values);
    if (!chains?.request && !chains?.response && upstreamPath === path) return undefined;
    return { operation: template.headKey, upstreamPath, request: chains?.request, response: chains?.response };
  }

  /**
   * The head operation key (`GET /orders/{id}`) a request in `version` is, for usage reports;
   * undefined when no operation of that version matches.
   */
  operation(method: string, path: string, version: string): string | undefined {
    const templates = this.routers.get(version);
    if (!templates) return undefined;
    for (const template of templates) {
      if (template.method === method && template.regex.test(path)) return template.headKey;
    }
    return undefined;
  }

  private match(method: string, path: string, version: string): { template: Template; values: Map<string, string> } | undefined {
    const templates = this.routers.get(version);
    if (!templates) return undefined;
    for (const template of templates) {
      if (template.method !== method) continue;
      const m = template.regex.exec(path);
      if (m) return { template, values: new Map(template.params.map((name, i) => [name, m[i + 1]])) };
    }
    return undefined;
  }

  /** Head operation keys, for reports. */
  operations(): string[] {
    return operations(this.model.docs.get(this.model.head)!).map((op) => op.key);
  }
}

/** Load the spec and changes a config names, build the model and every chain. */
export async function loadTranslator(config: GatewayConfig): Promise<Translator | undefined> {
  if (!config.translation) return undefined;
  const base = dirname(config.file);
  const specFile = resolve(base, config.translation.spec);
  const [head, bundle] = await Promise.all([loadSpec(specFile), loadBundle(resolve(base, config.translation.changes))]);
  const model = buildModel(head, bundle, config.versions.map((v) => v.id), specFile);
  return new Translator(model, [...config.upstreams.values()].map((u) => u.speaks));
}
