/**
 * Request-target normalisation, done before version resolution and routing so that what the
 * gateway routes on is exactly what the upstream receives. Without it `/v2/../admin`,
 * `/orders/%2e%2e/admin` or `//admin` could reach paths outside a route's prefix, and an encoded
 * slash could smuggle a segment past the version prefix (RFC 3986 §5.2.4, §6.2.2).
 *
 * - `%XX` of an unreserved character is decoded (`%2e` → `.`, `%6f` → `o`); other escapes are
 *   kept, with upper-case hex.
 * - An encoded `/` or `\`, a NUL, a raw `\` or a bad escape is refused: upstreams disagree on how
 *   to read them, so no reading is safe.
 * - Empty segments collapse, `.` and `..` segments are resolved (never above the root).
 * - A segment `..;…` (or `..%3B…`) is refused: Tomcat-style upstreams drop a `;` path parameter
 *   and read it as `..`, which would climb out of the route's prefix behind the gateway's back.
 */

export type Target = { ok: true; path: string; query: string } | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const DOT_DOT_PARAMETER = /^\.\.(;|%3B)/i;

export function normalizeTarget(rawUrl: string): Target {
  let url = rawUrl;
  if (url[0] !== '/') {
    // absolute-form (RFC 9112 §3.2.2), sent to proxies; anything else ("*", "foo") is not routable.
    if (!/^https?:\/\//i.test(url)) return { ok: false, reason: `request target "${truncate(url)}" is not a path` };
    const start = url.indexOf('/', url.indexOf('//') + 2);
    url = start === -1 ? '/' : url.slice(start);
  }
  const hash = url.indexOf('#');
  if (hash !== -1) url = url.slice(0, hash);
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);

  // Fast path: nothing that could change under normalisation.
  if (!rawPath.includes('%') && !rawPath.includes('/.') && !rawPath.includes('//') && !rawPath.includes('\\')) {
    return { ok: true, path: rawPath, query };
  }
  if (rawPath.includes('\\')) return { ok: false, reason: 'a backslash in the path is not allowed' };

  let decoded = '';
  for (let i = 0; i < rawPath.length; i++) {
    const ch = rawPath[i];
    if (ch !== '%') {
      decoded += ch;
      continue;
    }
    const hex = rawPath.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, reason: `"%${hex}" is not a valid percent-escape` };
    const char = String.fromCharCode(parseInt(hex, 16));
    if (char === '/' || char === '\\') return { ok: false, reason: 'an encoded slash or backslash in the path is not allowed' };
    if (char === '\0') return { ok: false, reason: 'an encoded NUL in the path is not allowed' };
    decoded += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }

  const trailingSlash = decoded.endsWith('/') || /\/\.\.?$/.test(decoded);
  const out: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (DOT_DOT_PARAMETER.test(segment)) return { ok: false, reason: `the segment "${truncate(segment)}" would read as ".." to upstreams that drop path parameters` };
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const path = `/${out.join('/')}${out.length > 0 && trailingSlash ? '/' : ''}`;
  return { ok: true, path, query };
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}…` : value;
}
