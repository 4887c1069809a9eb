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

type Headers = Record<string, string | string[] | number | undefined>;

/** Remove hop-by-hop headers in place, including those the Connection header names. */
export function stripHopByHop(headers: Headers): void {
  const connection = headers.connection;
  // undici hands a repeated header over as an array (`Connection: close` + `Connection: x-a`).
  if (connection !== undefined && typeof connection !== 'number') {
    for (const name of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
      const key = name.trim().toLowerCase();
      if (key) delete headers[key];
    }
  }
  for (const name of HOP_BY_HOP) {
    if (headers[name] !== undefined) delete headers[name];
  }
}

export interface ForwardingFacts {
  remoteAddress: string | undefined;
  protocol: 'http' | 'https';
  /** The Host the client addressed. */
  host: string | undefined;
}

/** Set X-Forwarded-For/-Proto/-Host on an upstream request's headers (in place). */
export function setForwarding(headers: Headers, original: IncomingHttpHeaders, facts: ForwardingFacts, trusted: boolean): void {
  const priorFor = trusted ? original['x-forwarded-for'] : undefined;
  if (!trusted) for (const name of FORWARDING) delete headers[name];
  const remote = facts.remoteAddress ?? 'unknown';
  headers['x-forwarded-for'] = priorFor ? `${Array.isArray(priorFor) ? priorFor.join(', ') : priorFor}, ${remote}` : remote;
  if (!trusted || !headers['x-forwarded-proto']) headers['x-forwarded-proto'] = facts.protocol;
  if ((!trusted || !headers['x-forwarded-host']) && facts.host) headers['x-forwarded-host'] = facts.host;
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
