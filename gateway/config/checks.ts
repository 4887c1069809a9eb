/**
 * Cross-field rules the schema cannot express. Each check is small and pushes every problem it
 * finds, so one run reports all of them.
 */

import { TEMPLATE_NAMES, unknownPlaceholders } from '../error-template.js';
import { dateOf, impliedAliases } from '../resolve/version-id.js';
import type { ConfigProblem, RawConfig } from './types.js';
import { durationMs, instantMs } from './units.js';

type Check = (config: RawConfig, problems: ConfigProblem[]) => void;

/** Every name a version can be referred to by (id or alias) → its index in `versions`. */
export function versionNames(config: RawConfig): Map<string, number> {
  const names = new Map<string, number>();
  config.versions.forEach((v, i) => {
    if (!names.has(v.id)) names.set(v.id, i);
    for (const alias of v.aliases) if (!names.has(alias)) names.set(alias, i);
  });
  // A `DATE.name` id's date and name, where nothing written claims them (version-id.ts).
  config.versions.forEach((v, i) => {
    for (const alias of impliedAliases(v.id)) if (!names.has(alias)) names.set(alias, i);
  });
  return names;
}

function known(config: RawConfig): string {
  return config.versions.map((v) => (v.aliases.length ? `${v.id} (${v.aliases.join(', ')})` : v.id)).join(', ');
}

const uniqueVersionNames: Check = (config, problems) => {
  const seen = new Map<string, string>();
  config.versions.forEach((v, i) => {
    const claim = (name: string, path: (string | number)[]) => {
      const owner = seen.get(name);
      if (owner) problems.push({ path, message: `"${name}" is already used by ${owner}; ids and aliases must be unique` });
      else seen.set(name, `versions[${i}]`);
    };
    claim(v.id, ['versions', i, 'id']);
    v.aliases.forEach((alias, j) => claim(alias, ['versions', i, 'aliases', j]));
  });
};

const versionOrder: Check = (config, problems) => {
  const ids = config.versions.map((v) => v.id);
  const dates = ids.map(dateOf);
  const dated = dates.filter((d) => d !== undefined).length;
  if (dated > 0 && dated < ids.length) {
    problems.push({ path: ['versions'], message: `version ids must be all dates (2025-06-01, or Stripe's 2025-03-31.basil) or all labels (v1, v2), not a mix; got ${ids.join(', ')}` });
    return;
  }
  config.versions.forEach((v, i) => {
    const date = dates[i];
    if (date !== undefined && Number.isNaN(instantMs(date))) {
      problems.push({ path: ['versions', i, 'id'], message: `"${v.id}" does not carry a real calendar date` });
    }
    const before = dates[i - 1];
    if (date !== undefined && before !== undefined && date <= before) {
      problems.push({ path: ['versions', i, 'id'], message: `versions are listed oldest first, one per date; "${v.id}" must be dated later than "${ids[i - 1]}"` });
    }
  });
};

const lifecycleDates: Check = (config, problems) => {
  config.versions.forEach((v, i) => {
    const at = (key: string) => ['versions', i, key];
    const deprecated = v.deprecated === undefined ? undefined : instantMs(v.deprecated);
    const sunset = v.sunset === undefined ? undefined : instantMs(v.sunset);
    if (deprecated !== undefined && Number.isNaN(deprecated)) problems.push({ path: at('deprecated'), message: `"${v.deprecated}" is not a real date` });
    if (sunset !== undefined && Number.isNaN(sunset)) problems.push({ path: at('sunset'), message: `"${v.sunset}" is not a real date` });
    if (deprecated !== undefined && sunset !== undefined && sunset < deprecated) {
      problems.push({ path: at('sunset'), message: `sunset (${v.sunset}) must not precede deprecated (${v.deprecated})` });
    }
    if (i === config.versions.length - 1 && (v.deprecated !== undefined || v.sunset !== undefined)) {
      problems.push({ path: at(v.sunset !== undefined ? 'sunset' : 'deprecated'), message: `"${v.id}" is the head (newest) version and cannot be deprecated or sunset; add a newer version first` });
    }
    v.brownouts.forEach((b, j) => {
      const path = ['versions', i, 'brownouts', j];
      const start = instantMs(b.start);
      const end = instantMs(b.end);
      if (Number.isNaN(start)) problems.push({ path: [...path, 'start'], message: `"${b.start}" is not a real date` });
      if (Number.isNaN(end)) problems.push({ path: [...path, 'end'], message: `"${b.end}" is not a real date` });
      if (start >= end) problems.push({ path: [...path, 'end'], message: `must be later than start (${b.start})` });
      if (sunset === undefined) problems.push({ path, message: 'brownouts lead up to a sunset; set versions[' + i + '].sunset as well' });
      else if (start >= sunset) problems.push({ path: [...path, 'start'], message: `must be before the sunset (${v.sunset}); after it every request gets 410 anyway` });
    });
  });
};

const versionReferences: Check = (config, problems) => {
  const names = versionNames(config);
  const check = (name: string, path: (string | number)[], allowHead: boolean) => {
    if (allowHead && name === 'head') return;
    if (!names.has(name)) problems.push({ path, message: `unknown version "${name}"; known versions: ${known(config)}${allowHead ? ', or "head"' : ''}` });
  };
  config.versions.forEach((v, i) => {
    if (v.successor === undefined) return;
    check(v.successor, ['versions', i, 'successor'], false);
    const target = names.get(v.successor);
    if (target !== undefined && target <= i) {
      problems.push({ path: ['versions', i, 'successor'], message: `the successor must be newer than "${v.id}"; got "${v.successor}"` });
    }
  });
  check(config.resolve.default, ['resolve', 'default'], true);
  for (const [name, upstream] of Object.entries(config.upstreams)) check(upstream.speaks, ['upstreams', name, 'speaks'], true);
  config.routes.forEach((route, i) => route.overrides.forEach((o, j) => o.versions.forEach((name, k) => {
    check(name, ['routes', i, 'overrides', j, 'versions', k], false);
  })));
};

const routeReferences: Check = (config, problems) => {
  const upstreams = Object.keys(config.upstreams);
  const checkUpstream = (name: string, path: (string | number)[]) => {
    if (!upstreams.includes(name)) problems.push({ path, message: `unknown upstream "${name}"; defined upstreams: ${upstreams.join(', ')}` });
  };
  const prefixes = new Map<string, number>();
  const names = versionNames(config);
  const readsPath = config.resolve.order.includes('path');
  config.routes.forEach((route, i) => {
    checkUpstream(route.upstream, ['routes', i, 'upstream']);
    route.overrides.forEach((o, j) => checkUpstream(o.upstream, ['routes', i, 'overrides', j, 'upstream']));
    const prefix = route.prefix;
    if (prefix !== '/' && (prefix.endsWith('/') || prefix.includes('//') || /(^|\/)\.\.?(\/|$)/.test(prefix) || prefix.includes('%') || prefix.includes('?'))) {
      problems.push({ path: ['routes', i, 'prefix'], message: `must be a normalised path without a trailing "/", "//", "." or ".." segments, "%" or "?"; got "${prefix}"` });
    }
    // Only a gateway that reads versions from the path would read "/v1/…" as one (issue 12).
    const firstSegment = readsPath ? prefix.split('/')[1] : undefined;
    if (firstSegment && (names.has(firstSegment) || dateOf(firstSegment) !== undefined || /^v\d+(\.\d+)*$/i.test(firstSegment))) {
      problems.push({ path: ['routes', i, 'prefix'], message: `"/${firstSegment}" would be read as a version in the path; choose a prefix that does not start with a version id, alias or date` });
    }
    const earlier = prefixes.get(prefix);
    if (earlier !== undefined) problems.push({ path: ['routes', i, 'prefix'], message: `"${prefix}" is already routed by routes[${earlier}]` });
    else prefixes.set(prefix, i);
  });
};

const defaultLast: Check = (config, problems) => {
  const at = config.resolve.order.indexOf('default');
  if (at !== -1 && at !== config.resolve.order.length - 1) {
    problems.push({ path: ['resolve', 'order', at], message: `"default" only applies when no other source names a version, so it must be last; got [${config.resolve.order.join(', ')}]` });
  }
};

const listenerPorts: Check = (config, problems) => {
  if (config.listen.port !== 0 && config.listen.port === config.admin.port) {
    problems.push({ path: ['admin', 'port'], message: `must differ from listen.port (${config.listen.port})` });
  }
};

/** A pin fills the gap a request leaves, like the default; a version the request carries wins over it. */
const pinAfterRequestSources: Check = (config, problems) => {
  const order = config.resolve.order;
  const at = order.indexOf('pin');
  if (at === -1) return;
  const later = order.slice(at + 1).filter((s) => s !== 'default');
  if (later.length > 0) {
    problems.push({ path: ['resolve', 'order', at], message: `"pin" applies only when the request names no version, so it must come after ${later.map((s) => `"${s}"`).join(', ')} (only "default" may follow it); got [${order.join(', ')}]` });
  }
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Usage data and pins are not for the open network: beyond loopback the admin API needs a token. */
const adminToken: Check = (config, problems) => {
  if (!LOOPBACK.test(config.admin.host) && config.admin.token === undefined) {
    problems.push({ path: ['admin', 'token'], message: `is required because admin.host "${config.admin.host}" is not a loopback address; set a bearer token of at least 16 characters (token: \${VERSO_ADMIN_TOKEN}) or bind admin.host to 127.0.0.1` });
  }
};

/** The remote address always identifies a client, so rules after it would never be tried. */
const remoteAddressLast: Check = (config, problems) => {
  const at = config.clients.findIndex((rule) => 'remoteAddress' in rule);
  if (at !== -1 && at !== config.clients.length - 1) {
    problems.push({ path: ['clients', at], message: 'remoteAddress always identifies a client, so the rules after it would never be tried; make it the last rule' });
  }
};

/** Node refuses a headers timeout longer than the whole-request timeout; so would a body timeout make no sense past it. */
const listenerTimeouts: Check = (config, problems) => {
  const { headersTimeout, requestTimeout, bodyTimeout } = config.listen;
  const request = durationMs(requestTimeout);
  if (request === 0) return;
  if (durationMs(headersTimeout) > request) problems.push({ path: ['listen', 'headersTimeout'], message: `must not be longer than listen.requestTimeout (${requestTimeout}); got ${headersTimeout}` });
  if (durationMs(bodyTimeout) > request) problems.push({ path: ['listen', 'bodyTimeout'], message: `must not be longer than listen.requestTimeout (${requestTimeout}); got ${bodyTimeout}` });
};

/** A template is required by `errors.format: template`, and may name only the fields gateway errors have. */
const errorTemplate: Check = (config, problems) => {
  const { format, template } = config.errors;
  if (format === 'template' && template === undefined) {
    problems.push({ path: ['errors', 'template'], message: 'is required when errors.format is "template": the API\'s error body, such as { error: { type: invalid_request_error, code: "{code}", message: "{detail}" } }' });
  }
  for (const { path, name } of unknownPlaceholders(template ?? {})) {
    problems.push({ path: ['errors', 'template', ...path], message: `"{${name}}" names no field of a gateway error; use one of ${TEMPLATE_NAMES.map((n) => `{${n}}`).join(', ')}` });
  }
};

const CHECKS: Check[] = [uniqueVersionNames, versionOrder, lifecycleDates, versionReferences, routeReferences, defaultLast, pinAfterRequestSources, listenerPorts, listenerTimeouts, errorTemplate, adminToken, remoteAddressLast];

/**
 * Every cross-field problem. `partial`: the config failed its schema, so a check may meet a value
 * of the wrong shape; one that throws on it is skipped (the schema's problem already says what is
 * wrong there) and the others still report.
 */
export function crossFieldChecks(config: RawConfig, partial = false): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const check of CHECKS) {
    if (!partial) {
      check(config, problems);
      continue;
    }
    const found: ConfigProblem[] = [];
    try {
      check(config, found);
      problems.push(...found);
    } catch {
      // A part of the config this check reads is malformed; the schema's problems cover it.
    }
  }
  return problems;
}
