/**
 * The demo as the end-to-end translation tests run it: the head-only demo shop on a free port,
 * recording what it receives, and a gateway with the demo's versions, spec and changes in front.
 * The clock is fixed before 2023-06-01's sunset so every version is live.
 */

import { loadConfigText } from '../../gateway/config/load.js';
import { createGateway, type Gateway } from '../../gateway/server.js';
import { loadTranslator } from '../../gateway/translate/translator.js';
import { startDemo } from '../../demo/server.js';
import { captureLogs } from './servers.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DemoGateway {
  url: string;
  gateway: Gateway;
  /** Bodies and headers the demo upstream received, in order. */
  upstream: { method: string; url: string; headers: Record<string, unknown>; body: string }[];
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export const DEMO_NOW = Date.parse('2025-06-15T12:00:00Z');

export async function startDemoGateway(options: { versionsDir?: string } = {}): Promise<DemoGateway> {
  const upstream: DemoGateway['upstream'] = [];
  const demo = await startDemo({ now: () => new Date('2025-06-15T12:00:00Z') });
  // A recording hop in front of the demo: the gateway's upstream is this server.
  const { createServer, request } = await import('node:http');
  const recorder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      upstream.push({ method: req.method!, url: req.url!, headers: req.headers, body: body.toString('utf8') });
      const target = new URL(req.url!, demo.url);
      const forward = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  const port = (recorder.address() as { port: number }).port;

  const root = resolve(import.meta.dirname, '../..');
  let yaml = readFileSync(resolve(root, 'gateway.yaml'), 'utf8');
  if (options.versionsDir) yaml = yaml.replace('changes: versions', `changes: ${options.versionsDir}`);
  const config = loadConfigText(`${yaml}\n`, resolve(root, 'gateway.yaml'), {
    env: { DEMO_UPSTREAM_URL: `http://127.0.0.1:${port}`, PORT: '0', ADMIN_PORT: '0' },
  });
  const { logs, logStream } = captureLogs();
  const translator = await loadTranslator(config);
  const gateway = createGateway({ ...config, listen: { ...config.listen, host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 }, store: { kind: 'sqlite', file: ':memory:' } }, { translator, logStream, now: () => DEMO_NOW });
  const { url } = await gateway.listen();
  return {
    url,
    gateway,
    upstream,
    logs,
    async close() {
      await gateway.close();
      await new Promise<void>((r) => { recorder.closeAllConnections(); recorder.close(() => r()); });
      await demo.close();
    },
  };
}
