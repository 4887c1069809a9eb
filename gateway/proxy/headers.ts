/**
 * Header rewriting at the proxy boundary.
 *
 * Hop-by-hop headers (RFC 9110 §7.6.1: Connection, Proxy-Connection, Keep-Alive, TE,
 * Transfer-Encoding, Upgrade, and every header named in Connection) describe one connection and
 * are never forwarded, in either direction.
 *
 * Forwarding headers: a client could claim any `X-Forwarded-For`; unless `proxy.trustForwarded`
 * says the gateway sits behind a proxy that sets them, the client's values are dropped and the
 * gateway's own observations are sent.
 */

import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade'];
const FORWARDING = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip'];

export type Headers = Record<string, string | string[] | number | undefined>;

const HOP = new Set(HOP_BY_HOP);
/**
 * `Expect: 100-continue` is answered by the gateway's own HTTP server before the request reaches
 * the request path (node:http sends the 100); the upstream request that follows carries the whole
 * body and nothing to expect. undici refuses to send an Expect header, so forwarding it turned
 * every such request (curl sends it for bodies over 1 KB) into a 502.
 */
const CONSUMED = new Set(['expect']);
const CONSUMED_AND_FORWARDED = new Set([...CONSUMED, ...FORWARDING]);

/** The header names a Connection header lists (undici hands a repeated header over as an array). */
function connectionListed(headers: Headers): Set<string> | undefined {
  const connection = headers.connection;
  if (connection === undefined || typeof connection === 'number') return undefined;
  // The usual values name no other header: skip building a set for every response.
  if (connection === 'keep-alive' || connection === 'close' || connection === 'Keep-Alive') return undefined;
  const names = new Set<string>();
  for (const name of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
    const key = name.trim().toLowerCase();
    if (key) names.add(key);
  }
  return names;
}

/**
 * A copy without hop-by-hop headers, including those the Connection header names. Built as a
 * new object in one pass: `delete` would turn the object into a slow dictionary, and these run on
 * every proxied request and response.
 */
export function withoutHopByHop(headers: Headers, alsoDrop?: ReadonlySet<string>): Headers {
  const listed = connectionListed(headers);
  const out: Headers = {};
  for (const key in headers) {
    if (HOP.has(key) || listed?.has(key) || alsoDrop?.has(key)) continue;
    out[key] = headers[key];
  }
  return out;
}

export interface ForwardingFacts {
  remoteAddress: string | undefined;
  protocol: 'http' | 'https';
  /** The Host the client addressed. */
  host: string | undefined;
}

/**
 * The headers an upstream request carries: the client's, less hop-by-hop headers, Expect and
 * (unless trusted) the client's forwarding claims, plus X-Forwarded-For/-Proto/-Host.
 */
export function upstreamRequestHeaders(headers: Headers, original: IncomingHttpHeaders, facts: ForwardingFacts, trusted: boolean): Headers {
  const out = withoutHopByHop(headers, trusted ? CONSUMED : CONSUMED_AND_FORWARDED);
  const remote = facts.remoteAddress ?? 'unknown';
  const priorFor = trusted ? original['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = priorFor ? `${Array.isArray(priorFor) ? priorFor.join(', ') : priorFor}, ${remote}` : remote;
  if (!trusted || !out['x-forwarded-proto']) out['x-forwarded-proto'] = facts.protocol;
  if ((!trusted || !out['x-forwarded-host']) && facts.host) out['x-forwarded-host'] = facts.host;
  return out;
}

/** Merge `Vary` values, keeping one of each (case-insensitive) and `*` when present. */
export function mergeVary(existing: string | string[] | number | undefined, ours: string): string {
  if (existing === undefined || existing === '') return ours;
  const text = Array.isArray(existing) ? existing.join(', ') : String(existing);
  if (text.trim() === '*') return '*';
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of `${text},${ours}`.split(',')) {
    const trimmed = name.trim();
    if (trimmed && !seen.has(trimmed.toLowerCase())) {
      seen.add(trimmed.toLowerCase());
      out.push(trimmed);
    }
  }
  return out.join(', ');
}

/**
 * The first header of `names` (lower-case) that a request repeats, from its raw header lines.
 * Node keeps the first `Host` or `Authorization` line and drops the rest, and joins repeated
 * custom headers with ", ": a request with two Hosts (RFC 9112 §3.2: 400) or two client ids would
 * otherwise be read one way here and perhaps another way upstream.
 */
export function repeatedHeader(rawHeaders: readonly string[], names: ReadonlySet<string>, lengths: ReadonlySet<number>): string | undefined {
  let seen: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i];
    if (!lengths.has(raw.length)) continue;
    const name = raw.toLowerCase();
    if (!names.has(name)) continue;
    if (seen?.includes(name)) return name;
    (seen ??= []).push(name);
  }
  return undefined;
}
