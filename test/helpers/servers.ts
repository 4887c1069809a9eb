/**
 * Test servers: a recording origin on a free port, and a gateway built from YAML text with both
 * listeners on free ports and its log lines captured. Every test closes what it starts.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfigText } from '../../gateway/config/load.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/server.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
}

export interface Origin {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type OriginHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** An upstream that records what it receives and answers with `handler` (default: echo JSON). */
export async function startOrigin(handler?: OriginHandler): Promise<Origin> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      if (handler) return handler(req, res, body);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  adminUrl: string;
  /** Parsed JSON log lines written so far. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A log stream for a gateway, and the JSON lines it has written so far. */
export function captureLogs(): { logs: Record<string, unknown>[]; logStream: Writable } {
  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  return { logs, logStream };
}

/** Start a gateway from YAML text; listen and admin ports are forced to 0 (free ports). */
export async function startTestGateway(yaml: string, options: Omit<GatewayOptions, 'logStream'> = {}, listeners: { adminToken?: string } = {}): Promise<TestGateway> {
  // An in-memory usage store unless the test names one: tests never leave a data/ file behind.
  const store = /^store:/m.test(yaml) ? '' : 'store: { sqlite: ":memory:" }\n';
  const token = listeners.adminToken === undefined ? '' : `, token: ${JSON.stringify(listeners.adminToken)}`;
  // A test's own `listen:` block (timeouts) keeps its keys; host and port are forced either way.
  const own = /^listen:\n/m.test(yaml);
  const listen = own ? '' : 'listen: { host: 127.0.0.1, port: 0 }\n';
  const text = own ? yaml.replace(/^listen:\n/m, 'listen:\n  host: 127.0.0.1\n  port: 0\n') : yaml;
  const config = loadConfigText(`${text}\n${listen}admin: { host: 127.0.0.1, port: 0${token} }\n${store}`, 'test.yaml');
  const { logs, logStream } = captureLogs();
  const gateway = createGateway(config, { ...options, logStream });
  const { url, adminUrl } = await gateway.listen();
  return { gateway, url, adminUrl, logs, close: () => gateway.close() };
}

/**
 * The demo's versions and lifecycle with one upstream: the shape most end-to-end tests use.
 * `extra` is appended (YAML keys not already present).
 */
export function shopConfig(originUrl: string, extra = ''): string {
  return `
versions:
  - id: "2023-06-01"
    aliases: [v1]
    docs: https://shop.example.com/docs/2023-06-01
    deprecated: "2024-06-01"
    sunset: "2025-12-31"
  - id: "2024-01-01"
    aliases: [v2]
    docs: https://shop.example.com/docs/2024-01-01
    deprecated: "2025-06-01"
    sunset: "2027-01-31"
    successor: "2025-06-01"
  - id: "2024-09-01"
    aliases: [v3]
    docs: https://shop.example.com/docs/2024-09-01
  - id: "2025-06-01"
    aliases: [v4]
    docs: https://shop.example.com/docs/2025-06-01
upstreams:
  shop:
    url: ${originUrl}
routes:
  - prefix: /orders
    upstream: shop
  - prefix: /customers
    upstream: shop
${extra}`;
}

/**
 * Write `bytes` to a raw connection to `url` (where the exact bytes matter) and resolve to
 * everything the server writes back until it closes the connection; rejects after 5 s without a close.
 */
export function rawExchange(url: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => { got += c.toString('utf8'); });
    socket.on('close', () => { clearTimeout(timer); resolve(got); });
    socket.on('error', reject);
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no close within 5 s; got ${JSON.stringify(got)}`)); }, 5000);
  });
}
