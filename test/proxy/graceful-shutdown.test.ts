import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopConfig, startOrigin, startTestGateway, type Origin } from '../helpers/servers.js';
import { rawGet } from '../helpers/raw-http.js';
import { connectOutcome, deferred, within } from '../helpers/net.js';
import { startVerso } from '../helpers/cli.js';

const SLOW_BODY = JSON.stringify({ order: 'slow', lines: Array.from({ length: 200 }, (_, i) => i) });

/** An origin whose /orders/slow answers only when the test says so. */
async function holdingOrigin() {
  const arrived = deferred();
  const release = deferred();
  const origin = await startOrigin((req, res) => {
    if (req.url !== '/orders/slow') return res.end('quick');
    arrived.resolve();
    void release.promise.then(() => {
      res.setHeader('content-type', 'application/json');
      res.end(SLOW_BODY);
    });
  });
  return { origin, arrived, release };
}

describe('`verso start` on SIGTERM', () => {
  let held: Awaited<ReturnType<typeof holdingOrigin>>;
  let dir: string;

  beforeAll(async () => {
    held = await holdingOrigin();
    dir = mkdtempSync(join(tmpdir(), 'verso-shutdown-'));
  });
  afterAll(async () => {
    held.release.resolve();
    await held.origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the in-flight request, reports draining, refuses new connections and exits 0', async () => {
    const configFile = join(dir, 'gateway.yaml');
    // A long shutdownTimeout: exiting well before it proves the drain ended by itself.
    writeFileSync(configFile, `${shopConfig(held.origin.url, 'proxy: { shutdownTimeout: 20s }')}
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
log: { level: warn }
`);
    const cli = await startVerso(configFile);
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cli.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ready = await fetch(`${cli.adminUrl}/health/ready`);
      expect([ready.status, (await ready.json()).status]).toEqual([200, 'ready']);

      const inFlight = rawGet(cli.url, '/orders/slow');
      await within(5000, held.arrived.promise, 'the request never reached the origin');
      cli.child.kill('SIGTERM');

      // While draining, readiness says so (the admin listener closes only after the public one
      // has drained) and the public listener accepts no new connections.
      const draining = await within(5000, (async () => {
        for (;;) {
          const res = await fetch(`${cli.adminUrl}/health/ready`);
          const body = await res.json();
          if (res.status === 503) return { status: res.status, type: res.headers.get('content-type'), body };
          await new Promise((r) => setTimeout(r, 20));
        }
      })(), 'readiness never reported draining');
      expect(draining).toEqual({ status: 503, type: 'application/json; charset=utf-8', body: { status: 'draining', config: { file: configFile, config_hash: expect.stringMatching(/^[0-9a-f]{12}$/), loaded_at: expect.any(String) } } });
      expect(await connectOutcome(cli.url)).toBe('ECONNREFUSED');
      expect(cli.child.exitCode).toBeNull();

      held.release.resolve();
      const res = await within(5000, inFlight, 'the in-flight request did not complete');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['content-length']).toBe(String(SLOW_BODY.length));
      expect(res.text).toBe(SLOW_BODY);

      expect(await within(5000, cli.exit, 'the gateway did not exit promptly after draining')).toBe(0);
      expect(await connectOutcome(cli.url)).toBe('ECONNREFUSED');
      expect(await connectOutcome(cli.adminUrl)).toBe('ECONNREFUSED');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });
});

describe('draining a keep-alive client', () => {
  // BUG (gateway/server.ts, close()): fastify/Node close idle keep-alive connections once, when
  // close() starts. A connection whose request is in flight becomes idle only after its response,
  // and nothing closes it then, so close() waits for the client (or keepAliveTimeout, 72 s) and in
  // practice runs into proxy.shutdownTimeout on every deploy behind a keep-alive load balancer.
  it('closes the connection once its in-flight response is sent instead of waiting for shutdownTimeout', async () => {
    const held = await holdingOrigin();
    const gateway = await startTestGateway(shopConfig(held.origin.url, 'proxy: { shutdownTimeout: 10s }'));
    let closed: Promise<void> | undefined;
    try {
      const inFlight = fetch(`${gateway.url}/orders/slow`).then(async (r) => [r.status, r.headers.get('connection'), await r.text()]);
      await within(5000, held.arrived.promise, 'the request never reached the origin');
      closed = gateway.close();
      held.release.resolve();
      expect(await inFlight).toEqual([200, 'close', SLOW_BODY]);
      await within(2000, closed, 'close() still waiting for the idle keep-alive connection');
    } finally {
      held.release.resolve();
      gateway.gateway.server.closeAllConnections();
      await (closed ?? gateway.close());
      await held.origin.close();
    }
  });
});
