/**
 * The translation engine as the request path sees it: which operation a request is, in the
 * client's version, and the chains to apply for (operation, client version, upstream version).
 * Everything is built at start-up; per request there is a template match and a map lookup, and
 * no allocation but the plan itself.
 */

import { dirname, resolve } from 'node:path';
import type { GatewayConfig } from '../config/types.js';
import { loadBundle, TranslationError } from './bundle.js';
import { buildRequestChain, buildResponseChain, ChainError, type RequestChain, type ResponseChain } from './chain.js';
import { buildModel, type VersionModel } from './model.js';
import { loadSpec } from './spec.js';

/**
 * What the gateway does with one request, known before it is sent: which operation it is (for
 * usage), the path to send upstream, and the chains to run. A request no change touches has
 * neither chain and streams through untouched.
 */
export interface Plan {
  /** Head operation key (`GET /orders/{id}`), or the route's wildcard (`GET /orders/*`) for a path no spec operation matches. */
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

/** An operation's path template in one version, compiled to a regex. */
interface Template {
  headKey: string;
  regex: RegExp;
  /** Parameter names in the order the regex captures them. */
  params: string[];
  path: string;
  literal: number;
  /** By upstream version: where the operation lives there and the chains to it. Absent: not in that version. */
  targets: Map<string, Target>;
}

interface Target {
  /** The upstream version's path template; undefined when it is the client's own (send the path as is). */
  renamedTo: string | undefined;
  request: RequestChain | undefined;
  response: ResponseChain | undefined;
}

function compileTemplate(headKey: string, path: string): Template {
  const params: string[] = [];
  const pattern = path.split('/').map((segment) => segment.replace(/\{([^}]+)\}|[^{}]+/g, (m, name: string | undefined) => {
    if (name) { params.push(name); return '([^/]+)'; }
    return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  })).join('/');
  return { headKey, regex: new RegExp(`^${pattern}/?$`), params, path, literal: path.replace(/\{[^}]+\}/g, '').length, targets: new Map() };
}

/** The upstream's path for a request that matched `template`: its parameters put into `renamedTo`. */
function fill(renamedTo: string, template: Template, match: RegExpExecArray): string {
  return renamedTo.replace(/\{([^}]+)\}/g, (_, name: string) => match[template.params.indexOf(name) + 1] ?? '');
}

export class Translator {
  /** By version, then method: that version's operation templates, most literal text first. */
  private readonly routers = new Map<string, Map<string, Template[]>>();
  /** Endpoints some version removed, by method: a client of that version or newer gets 404 for them. */
  private readonly removed = new Map<string, Template[]>();

  /**
   * `upstreamVersions`: the versions upstreams speak, either all of them for every client, or per
   * client version the ones its requests can actually be routed to (routesOf): a one-way hook only
   * stops start-up for a routing that can occur.
   */
  constructor(readonly model: VersionModel, upstreamVersions: Iterable<string> | ((client: string) => Iterable<string>)) {
    const problems: { file: string; message: string }[] = [];
    const fileOf = new Map(model.changes.map((c) => [c.id, c.file]));
    const everyone = typeof upstreamVersions === 'function' ? undefined : [...new Set(upstreamVersions)];
    for (const client of model.versions) {
      const targets = everyone ?? [...new Set((upstreamVersions as (client: string) => Iterable<string>)(client))];
      const byMethod = new Map<string, Template[]>();
      for (const [headKey, key] of model.operationKeys.get(client)!) {
        const space = key.indexOf(' ');
        const method = key.slice(0, space);
        const template = compileTemplate(headKey, key.slice(space + 1));
        for (const upstream of targets) {
          const upstreamKey = model.operationKeys.get(upstream)?.get(headKey);
          // An endpoint the upstream's version removed: older clients' requests go to it as they are.
          if (upstreamKey === undefined && model.removedEndpoints.has(headKey)) {
            template.targets.set(upstream, { renamedTo: undefined, request: undefined, response: undefined });
            continue;
          }
          if (upstreamKey === undefined) continue;
          const renamedTo = upstreamKey === key ? undefined : upstreamKey.slice(upstreamKey.indexOf(' ') + 1);
          if (client === upstream) {
            template.targets.set(upstream, { renamedTo, request: undefined, response: undefined });
            continue;
          }
          try {
            const request = buildRequestChain(model, headKey, client, upstream);
            const response = buildResponseChain(model, headKey, upstream, client);
            template.targets.set(upstream, { renamedTo, request: request.active ? request : undefined, response: response.active ? response : undefined });
          } catch (err) {
            if (err instanceof ChainError) problems.push({ file: fileOf.get(err.changeId) ?? 'versions/', message: `${headKey}: ${err.message}` });
            else throw err;
          }
        }
        let list = byMethod.get(method);
        if (!list) byMethod.set(method, (list = []));
        list.push(template);
      }
      // More literal text first: `/orders/export` before `/orders/{id}`.
      for (const list of byMethod.values()) list.sort((a, b) => b.literal - a.literal);
      this.routers.set(client, byMethod);
    }
    for (const key of model.removedEndpoints.keys()) {
      const space = key.indexOf(' ');
      const method = key.slice(0, space);
      this.removed.set(method, [...(this.removed.get(method) ?? []), compileTemplate(key, key.slice(space + 1))]);
    }
    if (problems.length > 0) throw new TranslationError(problems);
  }

  /**
   * The plan for a request in `clientVersion` sent to an upstream that speaks `upstreamVersion`;
   * `NOT_IN_VERSION` when the operation is not in the client's version (or not in the
   * upstream's); undefined when no operation of the spec matches the path at all.
   */
  plan(method: string, path: string, clientVersion: string, upstreamVersion: string): Plan | typeof NOT_IN_VERSION | undefined {
    const templates = this.routers.get(clientVersion)?.get(method);
    if (templates !== undefined) {
      for (const template of templates) {
        const match = template.regex.exec(path);
        if (match === null) continue;
        const target = template.targets.get(upstreamVersion);
        if (target === undefined) return NOT_IN_VERSION;
        const upstreamPath = target.renamedTo === undefined ? path : fill(target.renamedTo, template, match);
        return { operation: template.headKey, upstreamPath, request: target.request, response: target.response };
      }
    }
    // Known in the upstream's version but not the client's: the endpoint is newer than the
    // client, or was renamed since (the client's version knows it under its old path).
    if (clientVersion !== upstreamVersion && this.routers.get(upstreamVersion)?.get(method)?.some((t) => t.regex.test(path))) return NOT_IN_VERSION;
    // Removed before the client's version (an older client would have matched it above).
    if (this.removed.get(method)?.some((t) => t.regex.test(path))) return NOT_IN_VERSION;
    return undefined;
  }
}

/** Load the spec and changes a config names, build the model and every chain. */
export async function loadTranslator(config: GatewayConfig): Promise<Translator | undefined> {
  if (!config.translation) return undefined;
  const base = dirname(config.file);
  const specFile = resolve(base, config.translation.spec);
  const [head, bundle] = await Promise.all([loadSpec(specFile), loadBundle(resolve(base, config.translation.changes))]);
  const model = buildModel(head, bundle, config.versions.map((v) => v.id), specFile);
  return new Translator(model, routedVersions(config));
}

/** Per client version, the versions spoken by the upstreams its requests can be routed to (routes and their overrides). */
export function routedVersions(config: GatewayConfig): (client: string) => string[] {
  return (client) => config.routes.map((route) => config.upstreams.get(route.overrides.get(client) ?? route.upstream)!.speaks);
}
