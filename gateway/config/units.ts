/**
 * Parsers for human units: durations (the config's timeouts and intervals, the usage API's and
 * `verso report`'s time ranges and chart steps), sizes and instants. One parser per kind, so `15m`
 * means the same thing everywhere.
 */

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const DURATION_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const QUANTITY = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;

/** The units the config's durations accept (its schema's pattern says the same). */
export const CONFIG_DURATION_UNITS: readonly DurationUnit[] = ['ms', 's', 'm', 'h'];

export interface DurationOptions {
  /** The units allowed (default: all of ms, s, m, h, d, w). */
  units?: readonly DurationUnit[];
  /** Only whole numbers (`15m`, not `1.5h`). */
  whole?: boolean;
}

/**
 * A duration such as `30s`, `15m`, `1.5h`, `7d` or `2w` → milliseconds (rounded to a whole
 * millisecond), or undefined when `text` is not a number followed by one of the allowed units.
 * The one duration parser: config values, report ranges and steps all come through it.
 *
 * @example parseDuration('15m') // 900000
 * @example parseDuration('1.5h', { units: ['m', 'h'], whole: true }) // undefined
 */
export function parseDuration(text: string, { units, whole = false }: DurationOptions = {}): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const unit = match[2] as DurationUnit;
  if (!Object.hasOwn(DURATION_MS, unit) || (units !== undefined && !units.includes(unit))) return undefined;
  if (whole && match[1].includes('.')) return undefined;
  return Math.round(Number(match[1]) * DURATION_MS[unit]);
}

/** `"30s"` → 30000; a number is taken as milliseconds. Inputs were already validated by the config schema. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value, { units: CONFIG_DURATION_UNITS });
  if (ms === undefined) throw new Error(`not a duration: ${value}`);
  return ms;
}

/** `"1mb"` → 1048576; a number is taken as bytes. Inputs were already validated by the config schema. */
export function sizeBytes(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = QUANTITY.exec(value);
  if (!match || !Object.hasOwn(SIZE_BYTES, match[2])) throw new Error(`not a size: ${value}`);
  return Math.round(Number(match[1]) * SIZE_BYTES[match[2]]);
}

/** `"2025-06-01"` (midnight UTC) or an RFC 3339 date-time → epoch milliseconds, NaN if invalid. */
export function instantMs(value: string): number {
  const iso = value.length === 10 ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(iso);
  // Date.parse rolls 2025-02-30 over to March; a calendar date must round-trip to be real.
  if (value.length === 10 && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) !== value) {
    return Number.NaN;
  }
  return ms;
}
