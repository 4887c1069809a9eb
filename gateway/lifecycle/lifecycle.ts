/**
 * Per-version lifecycle: the deprecation headers every response of a version carries, and whether
 * a request may reach the upstream at all (after sunset, or inside a brownout window, it may not).
 * Header values are built once at start-up; the per-request work is two comparisons.
 *
 * - `Deprecation: @<unix-seconds>` — RFC 9745 §2.1 (a structured-field Date).
 * - `Sunset: <IMF-fixdate>` — RFC 8594 §3 (an HTTP-date).
 * - `Link: <…>; rel="deprecation"` (RFC 9745 §3), `rel="sunset"` (RFC 8594 §6),
 *   `rel="successor-version"` (RFC 5829).
 */

import type { VersionConfig } from '../config/types.js';

export type Verdict =
  | { kind: 'allow' }
  | { kind: 'sunset'; version: VersionConfig }
  | { kind: 'brownout'; version: VersionConfig; until: number };

const ALLOW: Verdict = { kind: 'allow' };

export type LifecycleStatus = 'active' | 'deprecated' | 'sunset';

/**
 * Where a version stands at `now` (epoch ms), decided here and nowhere else: `sunset` from its
 * sunset date on, `deprecated` from its deprecation date on, else `active`. A sunset version
 * counts as deprecated wherever only "deprecated or not" is asked (`statusAt(v, now) !== 'active'`).
 */
export function statusAt(version: Pick<VersionConfig, 'deprecated' | 'sunset'>, now: number): LifecycleStatus {
  if (version.sunset !== undefined && now >= version.sunset) return 'sunset';
  if (version.deprecated !== undefined && now >= version.deprecated) return 'deprecated';
  return 'active';
}

export class Lifecycle {
  /** Version id → the response headers that signal its lifecycle (empty for active versions). */
  readonly headers = new Map<string, Record<string, string>>();
  private readonly versions: Map<string, VersionConfig>;

  constructor(versions: readonly VersionConfig[]) {
    this.versions = new Map(versions.map((v) => [v.id, v]));
    for (const v of versions) this.headers.set(v.id, lifecycleHeaders(v, this.versions));
  }

  /**
   * May a request for `version` go ahead at `now`? `random` in [0, 1) decides partial brownouts.
   */
  check(version: VersionConfig, now: number, random: () => number = Math.random): Verdict {
    if (version.sunset === undefined) return ALLOW;
    if (statusAt(version, now) === 'sunset') return { kind: 'sunset', version };
    for (const window of version.brownouts) {
      if (now >= window.start && now < window.end && (window.percentage >= 100 || random() * 100 < window.percentage)) {
        return { kind: 'brownout', version, until: window.end };
      }
    }
    return ALLOW;
  }
}

/** `2027-01-31T00:00:00.000Z` → `Sun, 31 Jan 2027 00:00:00 GMT` (IMF-fixdate, RFC 9110 §5.6.7). */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function lifecycleHeaders(v: VersionConfig, all: Map<string, VersionConfig>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (v.deprecated === undefined && v.sunset === undefined) return headers;
  if (v.deprecated !== undefined) headers.deprecation = `@${Math.floor(v.deprecated / 1000)}`;
  if (v.sunset !== undefined) headers.sunset = httpDate(v.sunset);
  const links: string[] = [];
  const notice = v.deprecationLink ?? v.docs;
  if (notice && v.deprecated !== undefined) links.push(`<${notice}>; rel="deprecation"; type="text/html"`);
  if (notice && v.sunset !== undefined) links.push(`<${notice}>; rel="sunset"; type="text/html"`);
  const successor = v.successor === undefined ? undefined : all.get(v.successor);
  if (successor?.docs) links.push(`<${successor.docs}>; rel="successor-version"`);
  if (links.length > 0) headers.link = links.join(', ');
  return headers;
}
