/**
 * `verso start`: load the config, start both listeners, print where they are, reload the
 * configuration on SIGHUP (server.ts: all of it or none of it; a failed reload is logged and the
 * running configuration stays), and shut down gracefully on SIGTERM or SIGINT (in-flight requests
 * finish; a second signal forces the exit).
 */

import { loadEverything } from '../reload.js';
import type { GatewayConfig } from '../config/types.js';
import { createGateway, type Gateway } from '../server.js';
import type { Translator } from '../translate/translator.js';

export interface StartedGateway extends Gateway { url: string; adminUrl: string }

export async function startGateway(configFile: string, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<StartedGateway> {
  const { config, translator, hash } = await loadEverything(configFile);
  const gateway = createGateway(config, { translator, hash });
  const { url, adminUrl } = await gateway.listen();
  gateway.logger.info({ url, admin_url: adminUrl, config: config.file, versions: config.versions.map((v) => v.id) }, 'verso listening');
  announce({ config, translator, url, adminUrl, print });
  onSignals(gateway, { reload: () => gateway.reload('signal'), stop: () => gateway.close() });
  return { ...gateway, url, adminUrl };
}

/** What `verso start` prints once it listens. */
export function announce({ config, translator, url, adminUrl, print, workers = 1 }: { config: GatewayConfig; translator: Translator | undefined; url: string; adminUrl: string; print: (line: string) => void; workers?: number }): void {
  print(`Verso gateway  ${url}  (versions ${config.versions.map((v) => v.id).join(', ')}; head ${config.head}${workers > 1 ? `; ${workers} workers` : ''})`);
  print(`Admin API      ${adminUrl}  (GET /health/live, /health/ready, /metrics, /usage, /usage/deprecated, /pins, POST /admin/reload${translator ? ', /openapi, /docs, /changelog' : ''})`);
  print(`Dashboard      ${adminUrl}/dashboard`);
  print(`Reload         kill -HUP ${process.pid}, or POST ${adminUrl}/admin/reload${config.reload.watch ? '; also when the config, spec or a change file changes' : ''}`);
  const where = config.store.kind === 'sqlite' ? `SQLite ${config.store.file}` : `PostgreSQL ${redactUrl(config.store.url)}`;
  print(`Usage store    ${where}${config.usage.record ? '' : ' (recording off)'}${config.pins.enabled ? '; pinning on' : ''}`);
  if (translator) print(`Translation    ${translator.model.changes.length} change(s) from ${config.translation!.changes}; every version is served from upstreams that speak ${[...new Set([...config.upstreams.values()].map((u) => u.speaks))].join(', ')}`);
}

/**
 * The process's signals: SIGTERM and SIGINT drain and exit 0 (a second one exits at once);
 * SIGHUP never stops the gateway (Node's default would): it reloads, as nginx does.
 */
export function onSignals(gateway: Pick<Gateway, 'logger'>, { reload, stop }: { reload(): unknown; stop(): Promise<void> }): void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      gateway.logger.warn({ signal }, 'second signal: exiting now');
      gateway.logger.flush();
      process.exit(1);
    }
    stopping = true;
    gateway.logger.info({ signal }, 'shutting down: draining in-flight requests');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', () => {
    if (!stopping) void reload();
  });
}

/** A connection string without its password, for printing. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
