/**
 * Works out which API version a request speaks. Pure: it sees the normalised path, the raw query
 * string and the headers, and returns a version with its source, or a failure the caller turns
 * into a 400 problem. Sources not listed in `resolve.order` are never read.
 *
 * Precedence: the first source in `order` that carries a value wins and is reported as the
 * source. A client's pin (looked up by the caller, passed in as `pin`) and the default only fill
 * the gap when the request itself names no version. Every other source the request itself carries (header, path, query, media type) must
 * agree with it, or the request is rejected: silently preferring one would hide a client bug.
 */

import type { GatewayConfig, ResolutionSource, VersionConfig } from '../config/types.js';
import { VersionCatalog, type Lookup } from './catalog.js';
import { mediaTypeVersion } from './media-type.js';

export interface Resolution {
  ok: true;
  version: VersionConfig;
  source: ResolutionSource;
  /** The value as the client sent it (or the default's id). */
  requested: string;
  /** The path with any version prefix removed: what routing and the upstream see. */
  path: string;
  /**
   * A vendor media type's version part that names no configured version and was ignored
   * (resolve.mediaType.unknownVendor: ignore), such as Octokit's `v3`: the request path logs it at debug.
   */
  ignoredVendorVersion?: string;
}

export interface ResolutionFailure {
  ok: false;
  kind: 'invalid-version' | 'unknown-version' | 'version-conflict' | 'version-required';
  detail: string;
  source?: ResolutionSource;
  requested?: string;
}

export interface ResolveInput {
  /** Normalised path (see proxy/target.ts). */
  path: string;
  /** Raw query string without the leading "?", or "" */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The client's pinned version id, when pinning is on and the client has one. */
  pin?: string;
}

interface Candidate { source: ResolutionSource; requested: string; lookup: Lookup; path?: string; conflict?: string; ignored?: string }

export class Resolver {
  readonly catalog: VersionCatalog;
  /** Request headers that select the version, for `Vary`. */
  readonly varyHeaders: string[];
  private readonly order: ResolutionSource[];
  private readonly header: string;
  private readonly headerLabel: string;
  private readonly queryPrefix: string;
  private readonly queryName: string;
  private readonly mediaType: GatewayConfig['resolve']['mediaType'];
  private readonly fallback: VersionConfig;

  constructor(config: GatewayConfig) {
    this.catalog = new VersionCatalog(config.versions);
    this.order = config.resolve.order;
    this.header = config.resolve.header.toLowerCase();
    this.headerLabel = config.resolve.header;
    this.queryName = config.resolve.query;
    this.queryPrefix = `${encodeURIComponent(config.resolve.query)}=`;
    this.mediaType = config.resolve.mediaType;
    this.fallback = this.catalog.get(config.resolve.default)!;
    this.varyHeaders = [];
    if (this.order.includes('header')) this.varyHeaders.push(config.resolve.header);
    if (this.order.includes('media-type')) this.varyHeaders.push('Accept');
  }

  resolve(input: ResolveInput): Resolution | ResolutionFailure {
    let winner: Candidate | undefined;
    let path = input.path;
    let ignored: string | undefined;
    for (const source of this.order) {
      if (source === 'pin') {
        // Like the default, a pin fills the gap the request leaves and never conflicts with what
        // it carries (config checks keep `pin` after every request source). A pin naming a
        // version no longer configured is ignored rather than failing the client's requests.
        if (!winner && input.pin !== undefined) {
          const lookup = this.catalog.lookup(input.pin);
          if (lookup.ok) winner = { source, requested: input.pin, lookup };
        }
        continue;
      }
      if (source === 'default') {
        // `default` is always last in `order` (config check), so it only fills a gap.
        winner ??= { source, requested: this.fallback.id, lookup: { ok: true, version: this.fallback } };
        break;
      }
      const candidate = source === 'path' ? this.readPath(input.path) : this.read(source, input);
      if (candidate?.ignored !== undefined) ignored = candidate.ignored;
      if (!candidate || candidate.lookup === undefined) continue;
      if (candidate.conflict !== undefined) return { ok: false, kind: 'version-conflict', detail: candidate.conflict };
      if (!candidate.lookup.ok) return this.failure(candidate);
      if (candidate.path !== undefined) path = candidate.path;
      if (!winner) {
        winner = candidate;
      } else if (winner.lookup.ok && candidate.lookup.version !== winner.lookup.version) {
        return {
          ok: false,
          kind: 'version-conflict',
          detail: `The ${this.describe(winner.source)} asks for ${named(winner)} but the ${this.describe(source)} asks for ${named(candidate)}; send one version or make them agree.`,
        };
      }
    }
    if (!winner || !winner.lookup.ok) {
      return {
        ok: false,
        kind: 'version-required',
        detail: `This API requires a version; send it in ${this.describeSources()}. Supported versions: ${this.catalog.supported.join(', ')}.`,
      };
    }
    const resolution: Resolution = { ok: true, version: winner.lookup.version, source: winner.source, requested: winner.requested, path };
    if (ignored !== undefined) resolution.ignoredVendorVersion = ignored;
    return resolution;
  }

  private read(source: ResolutionSource, input: ResolveInput): Candidate | (Partial<Candidate> & { ignored: string; lookup: undefined }) | undefined {
    switch (source) {
      case 'header': {
        const raw = input.headers[this.header];
        if (raw === undefined) return undefined;
        // Repeated headers arrive as an array or comma-joined; one value is the only sane reading.
        const value = Array.isArray(raw) ? raw.join(', ') : raw;
        return { source, requested: value, lookup: this.catalog.lookup(value) };
      }
      case 'query': {
        const values = queryValues(input.query, this.queryPrefix);
        return values === undefined ? undefined : this.oneOf(source, values);
      }
      case 'media-type': {
        const accept = input.headers.accept;
        if (typeof accept !== 'string') return undefined;
        const found = mediaTypeVersion(accept, this.mediaType.parameter, this.mediaType.vendor);
        if (found === undefined) return undefined;
        // A vendor type's version part that names no version (Octokit's `vnd.github.v3+json`) is
        // not a version request when resolve.mediaType.unknownVendor is "ignore" (the default).
        if (this.mediaType.unknownVendor === 'reject') return this.oneOf(source, found.map((f) => f.value));
        const named = found.filter((f) => !f.vendor || this.catalog.lookup(f.value).ok).map((f) => f.value);
        const ignored = found.find((f) => f.vendor && !this.catalog.lookup(f.value).ok)?.value;
        if (named.length === 0) return ignored === undefined ? undefined : { ignored, lookup: undefined };
        return ignored === undefined ? this.oneOf(source, named) : { ...this.oneOf(source, named), ignored };
      }
      default:
        return undefined;
    }
  }

  /**
   * One source that carries several values (`?api-version=a&api-version=b`, two media ranges with
   * a version each): fine when they name one version, a conflict when they name two.
   */
  private oneOf(source: ResolutionSource, values: string[]): Candidate {
    const first: Candidate = { source, requested: values[0], lookup: this.catalog.lookup(values[0]) };
    for (let i = 1; i < values.length; i++) {
      if (values[i] === values[0]) continue;
      const other: Candidate = { source, requested: values[i], lookup: this.catalog.lookup(values[i]) };
      if (!other.lookup.ok) return other;
      if (first.lookup.ok && other.lookup.version !== first.lookup.version) {
        return { ...first, conflict: `The ${this.describe(source)} is given twice, as ${named(first)} and as ${named(other)}; send one version.` };
      }
    }
    return first;
  }

  private readPath(path: string): Candidate | undefined {
    const end = path.indexOf('/', 1);
    const segment = end === -1 ? path.slice(1) : path.slice(1, end);
    if (!segment || !this.catalog.looksLikeVersion(segment)) return undefined;
    return { source: 'path', requested: segment, lookup: this.catalog.lookup(segment), path: end === -1 ? '/' : path.slice(end) };
  }

  private failure(candidate: Candidate): ResolutionFailure {
    const lookup = candidate.lookup as Extract<Lookup, { ok: false }>;
    const where = `The ${this.describe(candidate.source)}`;
    const supported = `Supported versions: ${this.catalog.supported.join(', ')}.`;
    const detail = {
      malformed: `${where} gives "${lookup.value}", which is not a version id, alias or valid date. ${supported}`,
      unknown: `${where} gives "${lookup.value}", which is not a known version or alias. ${supported}`,
      'too-early': `${where} gives "${lookup.value}", which is before the first version (${this.catalog.versions[0].id}). ${supported}`,
    }[lookup.reason];
    return {
      ok: false,
      kind: lookup.reason === 'malformed' ? 'invalid-version' : 'unknown-version',
      detail,
      source: candidate.source,
      requested: lookup.value,
    };
  }

  private describe(source: ResolutionSource): string {
    switch (source) {
      case 'header': return `${this.headerLabel} header`;
      case 'path': return 'path prefix';
      case 'query': return `${this.queryName} query parameter`;
      case 'media-type': return 'Accept media type';
      case 'pin': return 'client pin';
      default: return 'default';
    }
  }

  private describeSources(): string {
    return this.order.filter((s) => s !== 'default' && s !== 'pin').map((s) => `the ${this.describe(s)}`).join(' or ');
  }
}

/** `v2 (2024-01-01)`, or just the id when that is what was sent. */
function named(candidate: Candidate): string {
  const id = candidate.lookup.ok ? candidate.lookup.version.id : candidate.requested;
  return id === candidate.requested ? id : `${candidate.requested} (${id})`;
}

/** Every value of `name=` in a raw query string, percent-decoded (as sent where undecodable); undefined if absent. */
function queryValues(query: string, prefix: string): string[] | undefined {
  if (!query || !query.includes(prefix)) return undefined;
  let values: string[] | undefined;
  for (const pair of query.split('&')) {
    if (!pair.startsWith(prefix)) continue;
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(prefix.length).replace(/\+/g, ' '));
    } catch {
      value = pair.slice(prefix.length);
    }
    (values ??= []).push(value);
  }
  return values;
}
