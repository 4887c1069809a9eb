/**
 * The changelog, generated from the changes themselves: newest version first, each with the
 * descriptions of the changes it introduced (the description is required for this reason) and,
 * when the gateway config is given, its aliases and lifecycle (deprecation, sunset, brownouts).
 * Pure: the same model and config always give the same text, whatever the clock says.
 */

import type { GatewayConfig, VersionConfig } from '../../config/types.js';
import type { VersionModel } from '../model.js';

export interface ChangelogChange {
  /** The change's file below `versions/`, without extension: `2025-06-01/order-customer-id`. */
  id: string;
  description: string;
}

export interface ChangelogVersion {
  version: string;
  aliases: string[];
  head: boolean;
  /** RFC 3339: a full date when the instant is midnight UTC, else a date-time. */
  deprecated?: string;
  sunset?: string;
  successor?: string;
  docs?: string;
  brownouts?: { start: string; end: string; percentage: number }[];
  /** What this version changed compared with the one before it; empty for the oldest. */
  changes: ChangelogChange[];
}

export interface Changelog {
  title: string;
  /** Newest first. */
  versions: ChangelogVersion[];
}

/** `2025-06-01` for midnight UTC, else `2027-01-15T14:00:00Z`. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** Descriptions are written as prose, possibly over several lines; a changelog entry is one line. */
function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

function lifecycleOf(v: VersionConfig | undefined): Omit<ChangelogVersion, 'version' | 'aliases' | 'head' | 'changes'> {
  if (!v) return {};
  return {
    ...(v.deprecated !== undefined ? { deprecated: formatInstant(v.deprecated) } : {}),
    ...(v.sunset !== undefined ? { sunset: formatInstant(v.sunset) } : {}),
    ...(v.successor !== undefined ? { successor: v.successor } : {}),
    ...(v.docs !== undefined ? { docs: v.docs } : {}),
    ...(v.brownouts.length > 0
      ? { brownouts: v.brownouts.map((b) => ({ start: formatInstant(b.start), end: formatInstant(b.end), percentage: b.percentage })) }
      : {}),
  };
}

/**
 * Build the changelog from the version model; `config` adds aliases and lifecycle facts.
 *
 * @example
 * ```ts
 * const translator = await loadTranslator(config);
 * process.stdout.write(changelogMarkdown(buildChangelog(translator!.model, config)));
 * ```
 */
export function buildChangelog(model: VersionModel, config?: GatewayConfig): Changelog {
  const byId = new Map((config?.versions ?? []).map((v) => [v.id, v]));
  const title = String(model.docs.get(model.head)?.info?.title ?? 'API');
  const versions = [...model.versions].reverse().map((version): ChangelogVersion => ({
    version,
    aliases: [...(byId.get(version)?.aliases ?? [])],
    head: version === model.head,
    ...lifecycleOf(byId.get(version)),
    changes: model.changes.filter((c) => c.version === version).map((c) => ({ id: c.id, description: oneLine(c.change.description) })),
  }));
  return { title, versions };
}

/** The lifecycle of one version as a sentence, or undefined when it has none. */
export function lifecycleSentence(v: Pick<ChangelogVersion, 'deprecated' | 'sunset' | 'successor'>): string | undefined {
  const parts: string[] = [];
  if (v.deprecated) parts.push(`Deprecated since ${v.deprecated}`);
  if (v.sunset) parts.push(`${parts.length ? 'sunset' : 'Sunset'} on ${v.sunset} (requests get 410 Gone from then on)`);
  if (parts.length === 0) return undefined;
  return `${parts.join('; ')}.${v.successor ? ` Migrate to ${v.successor}.` : ''}`;
}

/** The changelog as Markdown: one `##` section per version, newest first. */
export function changelogMarkdown(log: Changelog): string {
  const lines = [
    `# ${log.title} changelog`,
    '',
    'Newest version first. Each version lists what changed for clients compared with the version before it.',
  ];
  for (const v of log.versions) {
    const aliases = v.aliases.length ? ` (${v.aliases.join(', ')})` : '';
    lines.push('', `## ${v.version}${aliases}${v.head ? ' — latest' : ''}`, '');
    const lifecycle = lifecycleSentence(v);
    if (lifecycle) lines.push(`**${lifecycle}**`, '');
    for (const b of v.brownouts ?? []) lines.push(`Brownout from ${b.start} to ${b.end}: ${b.percentage}% of requests get 410 Gone.`, '');
    if (v.docs) lines.push(`Documentation: <${v.docs}>`, '');
    if (v.changes.length === 0) lines.push(v === log.versions[log.versions.length - 1] ? 'The first version.' : 'No changes for clients.');
    for (const c of v.changes) lines.push(`- ${c.description} (\`${c.id}\`)`);
  }
  return `${lines.join('\n')}\n`;
}

/** The changelog as JSON text (two-space indent, trailing newline). */
export function changelogJson(log: Changelog): string {
  return `${JSON.stringify(log, null, 2)}\n`;
}
