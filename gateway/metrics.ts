/**
 * Prometheus metrics (`GET /metrics` on the admin listener), one registry per gateway so several
 * gateways in one process (tests) do not share counters. No per-client label: a client label
 * would make one time series per client (cardinality); per-client numbers are in the usage store.
 *
 * The request counter runs on every request, so its labelled children are cached per
 * (version, deprecated, status class) instead of asking prom-client to hash label values each time.
 */

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VersionConfig } from './config/types.js';

type RequestChild = { inc(): void };

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'version' | 'deprecated' | 'status_class'>;
  private readonly children = new Map<string, RequestChild>();
  private readonly upstream: Histogram<'upstream'>;
  private readonly upstreamChildren = new Map<string, { observe(v: number): void }>();
  private readonly translation: Histogram<'direction'>;
  readonly flushFailures: Counter;
  readonly dropped: Counter;
  readonly buffered: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'verso_requests_total',
      help: 'Requests answered, by resolved API version, whether that version was deprecated or sunset at the time, and status class. version is "none" when no version could be resolved.',
      labelNames: ['version', 'deprecated', 'status_class'],
      registers,
    });
    this.upstream = new Histogram({
      name: 'verso_upstream_duration_seconds',
      help: 'Time from sending a request upstream to its response headers, by upstream.',
      labelNames: ['upstream'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.translation = new Histogram({
      name: 'verso_translation_duration_seconds',
      help: 'Time spent translating one body between versions (parse, changes, serialize), by direction: request (up) or response (down).',
      labelNames: ['direction'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.flushFailures = new Counter({ name: 'verso_usage_flush_failures_total', help: 'Usage flushes the store refused; the counts stay buffered and are retried.', registers });
    this.dropped = new Counter({ name: 'verso_usage_dropped_total', help: 'Request counts dropped because the usage buffer was full while the store was unreachable.', registers });
    this.buffered = new Gauge({ name: 'verso_usage_buffered_rows', help: 'Distinct usage rows held in memory, waiting for the next flush.', registers });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'verso_' });
  }

  /** Count one answered request. `deprecated` is whether the version was deprecated or sunset at `now`. */
  request(version: VersionConfig | undefined, status: number, now: number): void {
    const deprecated = version !== undefined && isDeprecatedAt(version, now);
    const key = `${version?.id ?? ''}\u0000${deprecated ? 1 : 0}\u0000${(status / 100) | 0}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.requests.labels(version?.id ?? 'none', deprecated ? 'true' : 'false', statusClass(status));
      this.children.set(key, child);
    }
    child.inc();
  }

  upstreamLatency(upstream: string, seconds: number): void {
    let child = this.upstreamChildren.get(upstream);
    if (!child) this.upstreamChildren.set(upstream, (child = this.upstream.labels(upstream)));
    child.observe(seconds);
  }

  translationLatency(direction: 'request' | 'response', seconds: number): void {
    this.translation.labels(direction).observe(seconds);
  }

  /** The text exposition format and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export function isDeprecatedAt(version: VersionConfig, now: number): boolean {
  return (version.deprecated !== undefined && version.deprecated <= now) || (version.sunset !== undefined && version.sunset <= now);
}

export function statusClass(status: number): '1xx' | '2xx' | '3xx' | '4xx' | '5xx' {
  return `${Math.min(5, Math.max(1, (status / 100) | 0))}xx` as '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
}
