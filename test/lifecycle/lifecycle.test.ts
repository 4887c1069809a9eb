import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../gateway/config/load.js';
import { Lifecycle, httpDate, statusAt } from '../../gateway/lifecycle/lifecycle.js';
import { shopConfig } from '../helpers/servers.js';

const config = loadConfigText(shopConfig('http://127.0.0.1:1'), 'test.yaml');
const lifecycle = new Lifecycle(config.versions);
const version = (id: string) => config.versions.find((v) => v.id === id)!;

describe('lifecycle headers', () => {
  it('signals a deprecated version with Deprecation, Sunset and Link', () => {
    expect(lifecycle.headers.get('2024-01-01')).toEqual({
      deprecation: '@1748736000',
      sunset: 'Sun, 31 Jan 2027 00:00:00 GMT',
      link: '<https://shop.example.com/docs/2024-01-01>; rel="deprecation"; type="text/html", '
        + '<https://shop.example.com/docs/2024-01-01>; rel="sunset"; type="text/html", '
        + '<https://shop.example.com/docs/2025-06-01>; rel="successor-version"',
    });
  });

  it('names the next version as successor when none is configured', () => {
    expect(lifecycle.headers.get('2023-06-01')?.link).toContain('<https://shop.example.com/docs/2024-01-01>; rel="successor-version"');
  });

  it('adds nothing for an active version', () => {
    expect(lifecycle.headers.get('2024-09-01')).toEqual({});
    expect(lifecycle.headers.get('2025-06-01')).toEqual({});
  });

  it('formats HTTP dates as IMF-fixdate', () => {
    expect(httpDate(Date.UTC(2025, 11, 31))).toBe('Wed, 31 Dec 2025 00:00:00 GMT');
  });
});

describe('lifecycle verdicts', () => {
  const withBrownouts = loadConfigText(`
versions:
  - id: "2024-01-01"
    sunset: "2027-01-31"
    brownouts:
      - { start: "2027-01-10T10:00:00Z", end: "2027-01-10T11:00:00Z" }
      - { start: "2027-01-20T10:00:00Z", end: "2027-01-20T11:00:00Z", percentage: 25 }
  - id: "2025-06-01"
upstreams: { a: { url: "http://127.0.0.1:1" } }
routes: [{ prefix: /a, upstream: a }]
`, 'test.yaml');
  const lc = new Lifecycle(withBrownouts.versions);
  const v = withBrownouts.versions[0];
  const at = (iso: string) => Date.parse(iso);

  it('allows a version before its sunset', () => {
    expect(lc.check(v, at('2027-01-01T00:00:00Z'))).toEqual({ kind: 'allow' });
  });

  it('refuses a version from the instant of its sunset', () => {
    expect(lc.check(v, at('2027-01-31T00:00:00Z'))).toMatchObject({ kind: 'sunset' });
    expect(lc.check(v, at('2027-01-30T23:59:59.999Z'))).toEqual({ kind: 'allow' });
  });

  it('refuses every request inside a full brownout window, and none outside it', () => {
    expect(lc.check(v, at('2027-01-10T10:00:00Z'))).toEqual({ kind: 'brownout', version: v, until: at('2027-01-10T11:00:00Z') });
    expect(lc.check(v, at('2027-01-10T11:00:00Z'))).toEqual({ kind: 'allow' });
  });

  it('refuses the configured share of requests in a partial brownout', () => {
    expect(lc.check(v, at('2027-01-20T10:30:00Z'), () => 0.24)).toMatchObject({ kind: 'brownout' });
    expect(lc.check(v, at('2027-01-20T10:30:00Z'), () => 0.25)).toEqual({ kind: 'allow' });
    let i = 0;
    const dice = () => (i++ % 100) / 100;
    let refused = 0;
    for (let n = 0; n < 1000; n++) if (lc.check(v, at('2027-01-20T10:30:00Z'), dice).kind === 'brownout') refused++;
    expect(refused).toBe(250);
  });
});

describe('statusAt', () => {
  const at = (iso: string) => Date.parse(iso);
  it('is active before the deprecation date, deprecated from it, and sunset from the sunset date on', () => {
    const v = version('2024-01-01'); // deprecated 2025-06-01, sunset 2027-01-31
    expect([
      statusAt(v, at('2025-05-31T23:59:59.999Z')),
      statusAt(v, at('2025-06-01T00:00:00Z')),
      statusAt(v, at('2027-01-30T23:59:59.999Z')),
      statusAt(v, at('2027-01-31T00:00:00Z')),
    ]).toEqual(['active', 'deprecated', 'deprecated', 'sunset']);
  });

  it('is sunset for a version that has a sunset date but no deprecation date, once the date is past', () => {
    expect(statusAt({ deprecated: undefined, sunset: at('2026-01-01T00:00:00Z') }, at('2026-01-01T00:00:00Z'))).toBe('sunset');
    expect(statusAt({ deprecated: undefined, sunset: at('2026-01-01T00:00:00Z') }, at('2025-12-31T00:00:00Z'))).toBe('active');
  });

  it('is active for ever for a version with neither date', () => {
    expect(statusAt(version('2025-06-01'), at('2099-01-01T00:00:00Z'))).toBe('active');
  });

  it('agrees with the request path: a request is refused as sunset exactly when statusAt says sunset', () => {
    const v = version('2023-06-01'); // sunset 2025-12-31
    for (const iso of ['2025-12-30T23:59:59Z', '2025-12-31T00:00:00Z']) {
      expect(lifecycle.check(v, at(iso), () => 0.99).kind === 'sunset').toBe(statusAt(v, at(iso)) === 'sunset');
    }
  });
});
