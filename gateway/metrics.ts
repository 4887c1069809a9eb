/**
 * Prometheus metrics (`GET /metrics` on the admin listener), one registry per gateway so several
 * gateways in one process (tests) do not share counters. No per-client label: a client label
 * would make one time series per client (cardinality); per-client numbers are in the usage store.
 *
 * The request counter and the latency histograms are updated on every request, and prom-client's
 * own `inc`/`observe` build a label hash string per call (about 1 µs each on the test machine,
 * several percent of a proxied request). So the request path only bumps plain numbers here: the
 * counter's slots are folded into prom-client's Counter when Prometheus scrapes (its `collect`
 * hook), and the histograms are kept as bucket arrays and exposed through prom-client's metric
 * interface (`get()`), in the same text format its Histogram writes.
 */

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { VersionConfig } from './config/types.js';
import { statusAt } from './lifecycle/lifecycle.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Status classes 1xx–5xx as slots 0–4; anything else counts as 5xx. */
const CLASSES = 5;
const slotOfStatus = (status: number): number => {
  const c = ((status / 100) | 0) - 1;
  return c >= 0 && c < CLASSES ? c : CLASSES - 1;
};

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'version' | 'deprecated' | 'status_class'>;
  /** Counts not yet folded into `requests`, by slot: ((version index + 1) * 2 + deprecated) * 5 + class; version index -1 = none. */
  private pending: number[] = [];
  private readonly slotLabels: { version: string; deprecated: string; status_class: string }[] = [];
  /** The version each slot was described for: a reload may give an index another version (issue 13). */
  private readonly slotVersions: (VersionConfig | undefined)[] = [];
  private readonly upstream: LatencyHistogram;
  private readonly translation: LatencyHistogram;
  readonly flushFailures: Counter;
  readonly dropped: Counter;
  readonly buffered: Gauge;
  readonly aborted: Counter;
  readonly pinsRefused: Counter;
  readonly reloads: Counter<'result'>;
  readonly lastReloadSuccess: Gauge;
  readonly configInfo: Gauge<'hash'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const metrics = this;
    this.requests = new Counter({
      name: 'verso_requests_total',
      help: 'Requests answered, by resolved API version, whether that version was deprecated or sunset at the time, and status class. version is "none" when no version could be resolved.',
      labelNames: ['version', 'deprecated', 'status_class'],
      registers,
      collect() {
        const pending = metrics.pending;
        for (let slot = 0; slot < pending.length; slot++) {
          if (pending[slot] > 0) {
            this.inc(metrics.slotLabels[slot], pending[slot]);
            pending[slot] = 0;
          }
        }
      },
    });
    this.upstream = new LatencyHistogram('verso_upstream_duration_seconds', 'Time from sending a request upstream to its response headers, by upstream.', 'upstream');
    this.translation = new LatencyHistogram('verso_translation_duration_seconds', 'Time spent translating one body between versions (parse, changes, serialize), by direction: request (up) or response (down).', 'direction');
    this.registry.registerMetric(this.upstream as never);
    this.registry.registerMetric(this.translation as never);
    this.flushFailures = new Counter({ name: 'verso_usage_flush_failures_total', help: 'Usage flushes the store refused; the counts stay buffered and are retried.', registers });
    this.dropped = new Counter({ name: 'verso_usage_dropped_total', help: 'Request counts dropped because the usage buffer was full while the store was unreachable.', registers });
    this.aborted = new Counter({ name: 'verso_requests_aborted_total', help: 'Requests whose client closed the connection before the response was whole (logged and counted as status 499).', registers });
    this.pinsRefused = new Counter({ name: 'verso_pins_refused_total', help: 'First-request pins not made because the gateway holds pins.limit pins already.', registers });
    this.reloads = new Counter({ name: 'verso_config_reload_total', help: 'Configuration reloads (SIGHUP, POST /admin/reload, file watch) by result: success, or failure (the running configuration stays).', labelNames: ['result'], registers, aggregator: 'max' });
    this.lastReloadSuccess = new Gauge({ name: 'verso_config_last_reload_success_timestamp_seconds', help: 'When the running configuration was loaded (start-up or the last successful reload), in Unix seconds.', registers, aggregator: 'max' });
    this.configInfo = new Gauge({ name: 'verso_config_info', help: 'Always 1, labelled with the hash of the running configuration (config file, spec and change files).', labelNames: ['hash'], registers, aggregator: 'max' });
    this.buffered = new Gauge({ name: 'verso_usage_buffered_rows', help: 'Distinct usage rows held in memory, waiting for the next flush.', registers });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'verso_' });
  }

  /** Count one answered request. `deprecated` is whether the version was deprecated or sunset at `now`. */
  request(version: VersionConfig | undefined, status: number, now: number): void {
    const deprecated = version !== undefined && statusAt(version, now) !== 'active' ? 1 : 0;
    const slot = (((version === undefined ? -1 : version.index) + 1) * 2 + deprecated) * CLASSES + slotOfStatus(status);
    if (slot >= this.pending.length || this.slotVersions[slot] !== version || this.slotLabels[slot] === undefined) this.describeSlot(slot, version, deprecated, status);
    this.pending[slot]++;
  }

  private describeSlot(slot: number, version: VersionConfig | undefined, deprecated: number, status: number): void {
    while (this.pending.length <= slot) this.pending.push(0);
    // Counts under the slot's earlier version are folded in under its labels before it changes hands.
    if (this.pending[slot] > 0) this.requests.inc(this.slotLabels[slot], this.pending[slot]);
    this.pending[slot] = 0;
    this.slotVersions[slot] = version;
    this.slotLabels[slot] = { version: version?.id ?? 'none', deprecated: deprecated ? 'true' : 'false', status_class: statusClass(status) };
  }

  /** The configuration now running, from start-up or a reload. */
  configLoaded(hash: string, at: number): void {
    this.configInfo.reset();
    this.configInfo.set({ hash }, 1);
    this.lastReloadSuccess.set(at / 1000);
  }

  upstreamLatency(upstream: string, seconds: number): void {
    this.upstream.observe(upstream, seconds);
  }

  translationLatency(direction: 'request' | 'response', seconds: number): void {
    this.translation.observe(direction, seconds);
  }

  /** The text exposition format and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * A histogram with one label, kept as plain bucket counts and written out in prom-client's
 * histogram format (`_bucket{le=…}` cumulative, `_sum`, `_count`) when scraped.
 */
class LatencyHistogram {
  readonly type = 'histogram';
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();

  constructor(readonly name: string, readonly help: string, private readonly label: string) {}

  observe(value: string, seconds: number): void {
    let s = this.series.get(value);
    if (s === undefined) this.series.set(value, (s = { buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }

  /** prom-client's metric interface: what the registry writes for this metric. */
  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const [value, s] of this.series) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i];
        values.push({ labels: { le, [this.label]: value }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', [this.label]: value }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { [this.label]: value }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { [this.label]: value }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

export function statusClass(status: number): '1xx' | '2xx' | '3xx' | '4xx' | '5xx' {
  return `${slotOfStatus(status) + 1}xx` as '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
}
