/**
 * Readiness of the upstreams: an HTTP GET of the upstream's `health` path (2xx or 3xx is ready),
 * or, without one, a TCP connect. Checks run in parallel with a short timeout so a probe never
 * hangs longer than an orchestrator waits.
 */

import { connect } from 'node:net';
import { request, type Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/types.js';

export interface UpstreamHealth { ok: boolean; latency_ms: number; error?: string; status?: number }

const PROBE_TIMEOUT_MS = 2000;

export async function checkUpstreams(upstreams: Iterable<UpstreamConfig>, dispatcher?: Dispatcher): Promise<Record<string, UpstreamHealth>> {
  const entries = await Promise.all([...upstreams].map(async (u) => [u.name, await checkOne(u, dispatcher)] as const));
  return Object.fromEntries(entries);
}

async function checkOne(upstream: UpstreamConfig, dispatcher?: Dispatcher): Promise<UpstreamHealth> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (upstream.health) {
      const res = await request(`${upstream.url}${upstream.health}`, {
        method: 'GET',
        headersTimeout: PROBE_TIMEOUT_MS,
        bodyTimeout: PROBE_TIMEOUT_MS,
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        ...(dispatcher ? { dispatcher } : {}),
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 400;
      return { ok, status: res.statusCode, latency_ms: elapsed(), ...(ok ? {} : { error: `health check answered ${res.statusCode}` }) };
    }
    await tcpConnect(new URL(upstream.url));
    return { ok: true, latency_ms: elapsed() };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    return { ok: false, latency_ms: elapsed(), error: e.cause?.code ?? e.code ?? e.message };
  }
}

function tcpConnect(url: URL): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('timeout', () => { socket.destroy(); reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })); });
    socket.once('error', reject);
  });
}
