/**
 * The ordered list of versions and how a raw value ("2024-09-01", "v2", "2024-10-15") becomes one.
 * Pure: no I/O. Lookups of repeated values hit a bounded cache, because clients send the same few
 * strings millions of times.
 */

import { LRUCache } from 'lru-cache';
import type { VersionConfig } from '../config/types.js';
import { dateOf } from './version-id.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Shapes read as a version attempt even when unknown, so `/v9/orders` is an error, not a 404. */
const ALIAS_SHAPE = /^v\d+(\.\d+)*$/i;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CACHE_LIMIT = 1024;

export type Lookup =
  | { ok: true; version: VersionConfig }
  | { ok: false; reason: 'malformed' | 'unknown' | 'too-early'; value: string };

export class VersionCatalog {
  readonly versions: readonly VersionConfig[];
  readonly head: VersionConfig;
  readonly dated: boolean;
  /** "2023-06-01 (v1), 2024-01-01 (v2), …" for error messages. */
  readonly supported: string[];
  private readonly byName = new Map<string, VersionConfig>();
  private readonly cache = new LRUCache<string, Lookup>({ max: CACHE_LIMIT });

  constructor(versions: readonly VersionConfig[]) {
    this.versions = versions;
    this.head = versions[versions.length - 1];
    this.dated = versions.every((v) => dateOf(v.id) !== undefined);
    for (const v of versions) {
      this.byName.set(v.id, v);
      for (const alias of v.aliases) this.byName.set(alias, v);
    }
    for (const v of versions) {
      for (const alias of v.aliases) {
        const lower = alias.toLowerCase();
        if (!this.byName.has(lower)) this.byName.set(lower, v);
      }
    }
    this.supported = versions.map((v) => v.id);
  }

  get(id: string): VersionConfig | undefined {
    return this.byName.get(id);
  }

  /** Whether a path segment should be read as a version (known, date-shaped or alias-shaped). */
  looksLikeVersion(segment: string): boolean {
    return this.byName.has(segment) || dateOf(segment) !== undefined || ALIAS_SHAPE.test(segment);
  }

  /**
   * Resolve a raw value: an id or alias exactly; a date that is not a version to the closest
   * earlier version by date (`2024-10-15` → `2024-09-01`, `2025-04-15` → `2025-03-31.basil`), as
   * Stripe and GitHub do.
   */
  lookup(raw: string): Lookup {
    const cached = this.cache.get(raw);
    if (cached) return cached;
    const result = this.compute(raw);
    this.cache.set(raw, result);
    return result;
  }

  private compute(raw: string): Lookup {
    const value = raw.trim();
    const exact = this.byName.get(value) ?? this.byName.get(value.toLowerCase());
    if (exact) return { ok: true, version: exact };
    const date = DATE.exec(value);
    if (date) {
      const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
      if (new Date(ms).toISOString().slice(0, 10) !== value) return { ok: false, reason: 'malformed', value };
      if (!this.dated) return { ok: false, reason: 'unknown', value };
      let match: VersionConfig | undefined;
      for (const v of this.versions) if (dateOf(v.id)! <= value) match = v;
      return match ? { ok: true, version: match } : { ok: false, reason: 'too-early', value };
    }
    if (TOKEN.test(value) && value.length <= 64) return { ok: false, reason: 'unknown', value };
    return { ok: false, reason: 'malformed', value };
  }
}
