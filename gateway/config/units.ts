/** Parsers for the human units the config accepts. Inputs were already validated by the schema. */

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function scaled(value: number | string, units: Record<string, number>): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  return Math.round(Number(match[1]) * units[match[2]]);
}

/** `"30s"` → 30000; a number is taken as milliseconds. */
export function durationMs(value: number | string): number {
  return scaled(value, DURATION_MS);
}

/** `"1mb"` → 1048576; a number is taken as bytes. */
export function sizeBytes(value: number | string): number {
  return scaled(value, SIZE_BYTES);
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
