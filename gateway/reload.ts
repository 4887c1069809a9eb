/**
 * Reloading the configuration while traffic flows (issue 13): what a reload reads, what it cannot
 * apply without a restart, how its result is reported, and the file watch that can trigger it.
 * server.ts does the swap; this module holds the rules around it.
 */

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, formatProblem, loadConfigFile } from './config/load.js';
import type { GatewayConfig } from './config/types.js';
import { TranslationError } from './translate/bundle.js';
import { loadTranslator, type Translator } from './translate/translator.js';

/** What started a reload. */
export type ReloadTrigger = 'signal' | 'admin' | 'watch';

/** One reload's outcome, as `POST /admin/reload` answers it and `/health/ready` shows the last one. */
export interface ReloadResult {
  result: 'success' | 'failure';
  trigger: ReloadTrigger;
  /** When it finished, ISO 8601. */
  at: string;
  duration_ms: number;
  /** The configuration running afterwards: the new one on success, the old one on failure. */
  config_hash: string;
  /** Every problem found, as `verso check` prints them; present on failure. */
  problems?: string[];
  /** Keys whose new values were not applied: they take effect at the next restart. */
  restart_required?: string[];
}

/** The running configuration and the last reload, for `/health/ready`, the dashboard and `verso start`. */
export interface ConfigStatus {
  file: string;
  config_hash: string;
  /** When the running configuration was loaded, ISO 8601. */
  loaded_at: string;
  last_reload?: ReloadResult;
}

/** A config and its changes, loaded and validated, ready to build a generation from. */
export interface Loaded { config: GatewayConfig; translator: Translator | undefined; hash: string }

/** Read the config file, its spec and its changes afresh, as start-up does; throws on any problem. */
export async function loadEverything(file: string): Promise<Loaded> {
  const config = loadConfigFile(file);
  const translator = await loadTranslator(config);
  return { config, translator, hash: configHash(config) };
}

/**
 * Settings a running gateway cannot change in place: the sockets it listens on, the usage store
 * and the recorder and pin book built on it. A reload that changes one applies everything else
 * and keeps the running value of these, naming them in its result.
 */
const RESTART_ONLY: [string, (c: GatewayConfig) => unknown][] = [
  ['listen', (c) => c.listen],
  ['admin.host', (c) => c.admin.host],
  ['admin.port', (c) => c.admin.port],
  ['store', (c) => c.store],
  ['usage', (c) => c.usage],
  ['pins', (c) => c.pins],
  ['workers', (c) => c.workers],
];

/** `next` with the restart-only settings of `running`, and which of them differed. */
export function keepRestartOnly(running: GatewayConfig, next: GatewayConfig): { config: GatewayConfig; restartRequired: string[] } {
  const restartRequired = RESTART_ONLY.filter(([, get]) => JSON.stringify(get(running)) !== JSON.stringify(get(next))).map(([key]) => key);
  if (restartRequired.length === 0) return { config: next, restartRequired };
  const config: GatewayConfig = {
    ...next,
    listen: running.listen,
    admin: { ...next.admin, host: running.admin.host, port: running.admin.port },
    store: running.store,
    usage: running.usage,
    pins: running.pins,
    workers: running.workers,
  };
  return { config, restartRequired };
}

/** Every problem a failed load reports, one line each, as `verso check` prints them. */
export function problemsOf(err: unknown): string[] {
  if (err instanceof ConfigError) return err.problems.map((p) => formatProblem(err.file, p));
  if (err instanceof TranslationError) return err.problems.map((p) => `${p.file}: ${p.message}`);
  return [(err as Error)?.message ?? String(err)];
}

/** The files a configuration is built from: the config file, the head spec, every file under the changes folder. */
export function sourceFiles(config: GatewayConfig): { files: string[]; dirs: string[] } {
  const base = dirname(config.file);
  if (!config.translation) return { files: [resolve(config.file)], dirs: [] };
  const changes = resolve(base, config.translation.changes);
  return { files: [resolve(config.file), resolve(base, config.translation.spec), ...listTree(changes)], dirs: [changes, ...listDirs(changes)] };
}

/** A short hash of the source files' contents: which configuration is running, for /metrics and /health/ready. */
export function configHash(config: GatewayConfig): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles(config).files) {
    hash.update(file).update('\0');
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(unreadable)');
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function listTree(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listTree(join(dir, e.name)) : [join(dir, e.name)])).sort();
}

function listDirs(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => [join(dir, e.name), ...listDirs(join(dir, e.name))]);
}

/**
 * `reload.watch`: call `onChange` once edits to the configuration's files have settled for
 * `debounceMs` (an editor writes a file in several steps; a checkout touches many). The folders
 * are watched, not the files, and any event in them counts: a file replaced by rename (how most
 * editors save) and Kubernetes' ConfigMap volumes (which swap a `..data` symlink, never touching
 * `gateway.yaml` itself) are both seen. `onChange` decides whether anything really changed (the
 * config hash). The watch is renewed after each reload, since the set of files may have changed.
 */
export class SourceWatch {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void, private readonly logger: Logger, private readonly debounceMs = 300) {}

  watch(config: GatewayConfig): void {
    this.close();
    const { files, dirs } = sourceFiles(config);
    for (const folder of new Set([...files.map((f) => dirname(f)), ...dirs])) {
      try {
        const watcher = watch(folder, () => this.settle());
        watcher.on('error', (err) => this.logger.warn({ err, folder }, 'reload.watch: cannot watch this folder any more'));
        watcher.unref();
        this.watchers.push(watcher);
      } catch (err) {
        this.logger.warn({ err, folder }, 'reload.watch: cannot watch this folder; edits in it need SIGHUP or POST /admin/reload');
      }
    }
  }

  private settle(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onChange, this.debounceMs);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }
}
