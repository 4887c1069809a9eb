/**
 * The forms a version id takes. Dates (`2025-06-01`, GitHub's and Stripe's old form) and Stripe's
 * current `DATE.name` (`2025-03-31.basil`) are ordered by their date; labels (`v1`, `v2`) by the
 * order the config lists them. A `DATE.name` id answers to its date and to its name as well
 * (implicit aliases, `impliedAliases`), so `2025-03-31`, `basil` and `2025-03-31.basil` are one
 * version, and a date between two versions rounds down to the earlier one by the dates.
 */

const DATED = /^(\d{4}-\d{2}-\d{2})(?:\.([A-Za-z][A-Za-z0-9_-]*))?$/;

/** The date an id carries (`2025-03-31` for `2025-03-31.basil`), or undefined for a label. */
export function dateOf(id: string): string | undefined {
  return DATED.exec(id)?.[1];
}

/** The names a `DATE.name` id also answers to: its date and its name; none for other ids. */
export function impliedAliases(id: string): string[] {
  const m = DATED.exec(id);
  return m?.[2] === undefined ? [] : [m[1], m[2]];
}
