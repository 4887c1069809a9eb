/**
 * A small Dockerfile and .dockerignore reader, enough for test/docker/dockerfile.test.ts to replay
 * this repository's Dockerfile without Docker. It knows the instructions that Dockerfile uses and
 * throws on any other, so a new instruction makes the test fail until the replay learns it
 * rather than being silently skipped. No variable expansion: the Dockerfile does not use any.
 * Reference: https://docs.docker.com/reference/dockerfile/
 */

export type Command =
  /** JSON array form: run without a shell. */
  | { form: 'exec'; args: string[] }
  /** Plain form: run as `/bin/sh -c <script>`. */
  | { form: 'shell'; script: string };

export type Instruction =
  | { kind: 'WORKDIR'; line: number; path: string }
  | { kind: 'ENV'; line: number; vars: [string, string][] }
  | { kind: 'COPY'; line: number; from?: string; sources: string[]; dest: string }
  | { kind: 'RUN'; line: number; command: Command }
  | { kind: 'USER'; line: number; user: string }
  | { kind: 'EXPOSE'; line: number; ports: string[] }
  | { kind: 'VOLUME'; line: number; paths: string[] }
  | { kind: 'HEALTHCHECK'; line: number; options: Record<string, string>; command: Command }
  | { kind: 'CMD'; line: number; command: Command };

export interface Stage {
  image: string;
  name: string;
  instructions: Instruction[];
}

/** Logical lines: comments dropped, `\` continuations joined, each with its first physical line number. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return; // comments (and parser directives) may sit inside a continuation
    if (trimmed === '' && !pending) return;
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { line: pending.line, text: `${pending.text} ${body}`.trim() } : { line: i + 1, text: body };
    if (!continued) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

function parseCommand(text: string, where: string): Command {
  if (text.startsWith('[')) {
    const args: unknown = JSON.parse(text);
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) {
      throw new Error(`${where}: exec form must be a non-empty JSON array of strings`);
    }
    return { form: 'exec', args };
  }
  return { form: 'shell', script: text };
}

/** Leading `--name=value` flags, as COPY and HEALTHCHECK take them. */
function takeFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    flags[m[1]] = m[2];
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function unquote(value: string): string {
  return /^".*"$|^'.*'$/.test(value) ? value.slice(1, -1) : value;
}

function parseEnv(args: string, where: string): [string, string][] {
  const pair = /([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g;
  const pairs = [...args.matchAll(pair)];
  if (pairs.length === 0 || args.replace(pair, '').trim() !== '') throw new Error(`${where}: write ENV as NAME=value ...`);
  return pairs.map((p) => [p[1], unquote(p[2])]);
}

export function parseDockerfile(text: string, file = 'Dockerfile'): Stage[] {
  const stages: Stage[] = [];
  for (const { line, text: logical } of logicalLines(text)) {
    const where = `${file}:${line}`;
    const match = /^(\S+)\s*(.*)$/.exec(logical)!;
    const keyword = match[1].toUpperCase();
    const args = match[2];
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`${where}: cannot read FROM ${args}`);
      stages.push({ image: from[1], name: from[2] ?? String(stages.length), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${where}: ${keyword} before the first FROM`);
    const push = (instruction: Instruction) => stage.instructions.push(instruction);
    switch (keyword) {
      case 'WORKDIR':
        push({ kind: 'WORKDIR', line, path: args });
        break;
      case 'ENV':
        push({ kind: 'ENV', line, vars: parseEnv(args, where) });
        break;
      case 'COPY': {
        const { flags, rest } = takeFlags(args);
        const unknown = Object.keys(flags).filter((f) => f !== 'from');
        if (unknown.length > 0) throw new Error(`${where}: the replay does not know COPY --${unknown.join(', --')}`);
        const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
        if (parts.length < 2) throw new Error(`${where}: COPY needs a source and a destination`);
        push({ kind: 'COPY', line, from: flags.from, sources: parts.slice(0, -1), dest: parts.at(-1)! });
        break;
      }
      case 'RUN':
        push({ kind: 'RUN', line, command: parseCommand(args, where) });
        break;
      case 'USER':
        push({ kind: 'USER', line, user: args });
        break;
      case 'EXPOSE':
        push({ kind: 'EXPOSE', line, ports: args.split(/\s+/) });
        break;
      case 'VOLUME':
        push({ kind: 'VOLUME', line, paths: args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/) });
        break;
      case 'HEALTHCHECK': {
        const { flags, rest } = takeFlags(args);
        const cmd = /^CMD\s+(.*)$/i.exec(rest);
        if (!cmd) throw new Error(`${where}: the replay needs HEALTHCHECK [options] CMD ...`);
        push({ kind: 'HEALTHCHECK', line, options: flags, command: parseCommand(cmd[1], where) });
        break;
      }
      case 'CMD':
        push({ kind: 'CMD', line, command: parseCommand(args, where) });
        break;
      default:
        throw new Error(`${where}: the replay in test/docker does not know ${keyword}; teach it before using it`);
    }
  }
  if (stages.length === 0) throw new Error(`${file}: no FROM`);
  return stages;
}

/** `3s`, `1m30s`, `500ms` (HEALTHCHECK durations) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_whole, n: string, unit: string) => {
    total += Number(n) * units[unit];
    return '';
  });
  if (rest !== '' || text === '') throw new Error(`not a duration: ${text}`);
  return total;
}

/**
 * A .dockerignore as a predicate on context-relative paths (`/`-separated). Like Docker: patterns
 * are anchored at the context root, `*` and `?` stay within one path segment, `**` spans any
 * number of them, a pattern that matches a directory excludes all below it, and a later `!pattern`
 * re-includes what an earlier one excluded.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, regex: globToRegExp(pattern) };
    });
  return (path) => {
    const segments = path.split('/');
    const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
    }
    return ignored;
  };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
