/** Tables for a terminal, as `verso report` and `verso pin list` print them. */

/**
 * Control characters as `\x1b`: client ids come from request headers and JWT claims, and a report
 * printed to a terminal must not carry someone's escape sequences into it.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Columns padded to their widest cell, two spaces apart; numeric columns (`right`) aligned right.
 * Trailing spaces trimmed; control characters escaped (`printable`).
 */
export function formatTable(header: string[], cells: string[][], right: ReadonlySet<number> = new Set(), indent = ''): string {
  const rows = cells.map((r) => r.map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}
