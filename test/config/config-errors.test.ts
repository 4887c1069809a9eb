import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigText } from '../../gateway/config/load.js';

const VALID = `
versions:
  - id: "2024-01-01"
    deprecated: "2025-01-01"
    sunset: "2026-01-01"
  - id: "2025-06-01"
    aliases: [v2]
upstreams:
  shop:
    url: http://127.0.0.1:3000
routes:
  - prefix: /orders
    upstream: shop
`;

/** The problem lines of a config that must fail, as `file:line key: message`. */
function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfigText(yaml, 'gateway.yaml', { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `gateway.yaml:${p.line} ${formatPath(p.path)}: ${p.message}`);
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

function formatPath(path: (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${k}`)).join('') || '(top level)';
}

describe('config validation', () => {
  it('accepts the valid base config with defaults filled in', () => {
    const config = loadConfigText(VALID, 'gateway.yaml', { env: {} });
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080, timeouts: { headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000, requestTimeoutMs: 300_000, keepAliveTimeoutMs: 72_000, connectionsCheckingIntervalMs: 30_000 } });
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 9901 });
    expect(config.resolve.order).toEqual(['header', 'path', 'query', 'media-type', 'default']);
    expect(config.resolve.default).toBe('2025-06-01');
    expect(config.proxy).toEqual({ bodyLimit: 1048576, translateLimit: 8388608, jsonDepth: 256, trustForwarded: false, shutdownTimeoutMs: 30000 });
    expect(config.upstreams.get('shop')).toEqual({ name: 'shop', url: 'http://127.0.0.1:3000', speaks: '2025-06-01', timeoutMs: 30000, connectTimeoutMs: 5000, connections: 128, queueLimit: 1024, health: undefined });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names a missing required key', () => {
    expect(problems('versions: [{ id: v1 }]\nroutes: [{ prefix: /a, upstream: a }]')).toEqual([
      'gateway.yaml:1 (top level): missing required key "upstreams"',
    ]);
  });

  it('names an unknown key and suggests the closest valid one', () => {
    expect(problems(`${VALID}proxy:\n  bodyLimt: 2mb\n`)).toEqual([
      'gateway.yaml:15 proxy.bodyLimt: unknown key (did you mean "bodyLimit"?); valid keys here: bodyLimit, translateLimit, jsonDepth, trustForwarded, shutdownTimeout',
    ]);
  });

  it('names a value of the wrong type', () => {
    expect(problems(`${VALID}listen:\n  port: eighty\n`)).toEqual([
      'gateway.yaml:15 listen.port: must be integer; got "eighty"',
    ]);
  });

  it('names a value outside an enumeration and lists the valid ones', () => {
    expect(problems(`${VALID}resolve:\n  order: [header, cookie]\n`)).toEqual([
      'gateway.yaml:15 resolve.order[1]: must be one of "header", "path", "query", "media-type", "pin", "default"; got "cookie"',
    ]);
  });

  it('explains the expected form of a malformed duration, size and date', () => {
    expect(problems(VALID.replace('url: http://127.0.0.1:3000', 'url: http://127.0.0.1:3000\n    timeout: soon').replace('sunset: "2026-01-01"', 'sunset: "next year"') + 'proxy:\n  bodyLimit: huge\n')).toEqual([
      'gateway.yaml:5 versions[0].sunset: must be a date such as "2025-06-01" or an RFC 3339 date-time such as "2025-06-01T12:00:00Z"; got "next year"',
      'gateway.yaml:11 upstreams.shop.timeout: must be a duration: milliseconds as a number, or a string such as "500ms", "30s", "2m", "1h"; got "soon"',
      'gateway.yaml:16 proxy.bodyLimit: must be a size: bytes as a number, or a string such as "512kb", "1mb"; got "huge"',
    ]);
  });

  it('rejects a sunset that precedes deprecation', () => {
    expect(problems(VALID.replace('sunset: "2026-01-01"', 'sunset: "2024-06-01"'))).toEqual([
      'gateway.yaml:5 versions[0].sunset: sunset (2024-06-01) must not precede deprecated (2025-01-01)',
    ]);
  });

  it('rejects a date that does not exist', () => {
    expect(problems(VALID.replace('deprecated: "2025-01-01"', 'deprecated: "2025-02-30"'))).toEqual([
      'gateway.yaml:4 versions[0].deprecated: "2025-02-30" is not a real date',
    ]);
  });

  it('rejects versions out of order and duplicated names', () => {
    expect(problems(VALID.replace('id: "2025-06-01"', 'id: "2023-01-01"').replace('aliases: [v2]', 'aliases: ["2024-01-01"]'))).toEqual([
      'gateway.yaml:7 versions[1].aliases[0]: "2024-01-01" is already used by versions[0]; ids and aliases must be unique',
      'gateway.yaml:6 versions[1].id: versions are listed oldest first, one per date; "2023-01-01" must be dated later than "2024-01-01"',
    ]);
  });

  it('rejects deprecating the head version', () => {
    expect(problems(VALID.replace('aliases: [v2]', 'aliases: [v2]\n    deprecated: "2025-07-01"'))).toEqual([
      'gateway.yaml:8 versions[1].deprecated: "2025-06-01" is the head (newest) version and cannot be deprecated or sunset; add a newer version first',
    ]);
  });

  it('rejects a brownout outside its version\'s life', () => {
    expect(problems(VALID.replace('sunset: "2026-01-01"', 'sunset: "2026-01-01"\n    brownouts:\n      - { start: "2026-02-01T00:00:00Z", end: "2026-01-01T00:00:00Z" }'))).toEqual([
      'gateway.yaml:7 versions[0].brownouts[0].end: must be later than start (2026-02-01T00:00:00Z)',
      'gateway.yaml:7 versions[0].brownouts[0].start: must be before the sunset (2026-01-01); after it every request gets 410 anyway',
    ]);
  });

  it('names unknown versions and upstreams referenced from elsewhere', () => {
    const yaml = `${VALID.replace('upstream: shop', 'upstream: shopp\n    overrides:\n      - versions: [v9]\n        upstream: legacy')}resolve:\n  default: v7\n`;
    expect(problems(yaml)).toEqual([
      'gateway.yaml:18 resolve.default: unknown version "v7"; known versions: 2024-01-01, 2025-06-01 (v2), or "head"',
      'gateway.yaml:15 routes[0].overrides[0].versions[0]: unknown version "v9"; known versions: 2024-01-01, 2025-06-01 (v2)',
      'gateway.yaml:13 routes[0].upstream: unknown upstream "shopp"; defined upstreams: shop',
      'gateway.yaml:16 routes[0].overrides[0].upstream: unknown upstream "legacy"; defined upstreams: shop',
    ]);
  });

  it('rejects a route prefix that would be read as a version or is not normalised', () => {
    expect(problems(`${VALID}  - prefix: /v2/things\n    upstream: shop\n  - prefix: /a/../b/\n    upstream: shop\n`)).toEqual([
      'gateway.yaml:14 routes[1].prefix: "/v2" would be read as a version in the path; choose a prefix that does not start with a version id, alias or date',
      'gateway.yaml:16 routes[2].prefix: must be a normalised path without a trailing "/", "//", "." or ".." segments, "%" or "?"; got "/a/../b/"',
    ]);
  });

  it('accepts a route prefix such as /v1 when versions are not read from the path', () => {
    const config = loadConfigText(`${VALID}  - prefix: /v1\n    upstream: shop\nresolve:\n  order: [header, default]\n`, 'gateway.yaml', { env: {} });
    expect(config.routes.map((r) => r.prefix)).toEqual(['/orders', '/v1']);
  });

  it('accepts Stripe-style DATE.name ids, each also known by its date and its name', () => {
    const config = loadConfigText(`
versions:
  - id: "2024-06-20"
  - id: "2025-03-31.basil"
    aliases: [b]
  - id: "2026-10-28.endive"
upstreams:
  shop:
    url: http://127.0.0.1:3000
    speaks: basil
routes:
  - prefix: /orders
    upstream: shop
`, 'gateway.yaml', { env: {} });
    expect(config.versions.map((v) => [v.id, v.aliases])).toEqual([
      ['2024-06-20', []],
      ['2025-03-31.basil', ['b', '2025-03-31', 'basil']],
      ['2026-10-28.endive', ['2026-10-28', 'endive']],
    ]);
    expect(config.upstreams.get('shop')!.speaks).toBe('2025-03-31.basil');
    expect(config.head).toBe('2026-10-28.endive');
  });

  it('rejects two versions on one date, and dated ids mixed with labels', () => {
    expect(problems(VALID.replace('id: "2025-06-01"', 'id: "2024-01-01.acacia"'))).toEqual([
      'gateway.yaml:6 versions[1].id: versions are listed oldest first, one per date; "2024-01-01.acacia" must be dated later than "2024-01-01"',
    ]);
    expect(problems(VALID.replace('id: "2025-06-01"', 'id: "basil"'))).toEqual([
      'gateway.yaml:3 versions: version ids must be all dates (2025-06-01, or Stripe\'s 2025-03-31.basil) or all labels (v1, v2), not a mix; got 2024-01-01, basil',
    ]);
  });

  it('rejects listener timeouts longer than the whole-request timeout', () => {
    expect(problems(`${VALID}listen:\n  requestTimeout: 30s\n  headersTimeout: 1m\n  bodyTimeout: 31s\n`)).toEqual([
      'gateway.yaml:16 listen.headersTimeout: must not be longer than listen.requestTimeout (30s); got 1m',
      'gateway.yaml:17 listen.bodyTimeout: must not be longer than listen.requestTimeout (30s); got 31s',
    ]);
  });

  it('reports a schema mistake and the cross-field mistakes elsewhere in one run', () => {
    const yaml = VALID
      .replace('    url: http://127.0.0.1:3000', '    url: http://127.0.0.1:3000\n    timeout: 5 parsecs')
      .replace('    sunset: "2026-01-01"', '    sunset: "2024-06-01"\n    successor: "2025-06-01"')
      .replace('  - prefix: /orders\n    upstream: shop', '  - prefix: /orders\n    upstream: shopp');
    const found = problems(yaml);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^gateway\.yaml:\d+ upstreams\.shop\.timeout: must be a duration/);
    expect(found.slice(1)).toEqual([
      'gateway.yaml:5 versions[0].sunset: sunset (2024-06-01) must not precede deprecated (2025-01-01)',
      'gateway.yaml:15 routes[0].upstream: unknown upstream "shopp"; defined upstreams: shop',
    ]);
  });

  it('requires default to be the last resolution source', () => {
    expect(problems(`${VALID}resolve:\n  order: [default, header]\n`)).toEqual([
      'gateway.yaml:15 resolve.order[0]: "default" only applies when no other source names a version, so it must be last; got [default, header]',
    ]);
  });

  it('reports every problem at once', () => {
    expect(problems(`${VALID}listen:\n  port: -1\nlog:\n  level: loud\n`)).toHaveLength(2);
  });

  it('substitutes environment variables, typed when the value is one whole reference', () => {
    const config = loadConfigText(VALID.replace('url: http://127.0.0.1:3000', 'url: ${SHOP_URL}') + 'listen:\n  port: ${PORT:-8081}\n', 'gateway.yaml', { env: { SHOP_URL: 'http://10.0.0.5:9000' } });
    expect(config.upstreams.get('shop')!.url).toBe('http://10.0.0.5:9000');
    expect(config.listen.port).toBe(8081);
  });

  it('names an unset environment variable and the key that needs it', () => {
    expect(problems(VALID.replace('url: http://127.0.0.1:3000', 'url: ${SHOP_URL}'))).toEqual([
      'gateway.yaml:10 upstreams.shop.url: environment variable SHOP_URL is not set (write ${SHOP_URL:-default} to give a fallback)',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problems('versions:\n  - id: [unclosed\n')).toEqual([expect.stringMatching(/^gateway\.yaml:3 \(top level\): not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/)]);
  });

  it('formats the error message with the file, line and key path of each problem', () => {
    try {
      loadConfigText(`${VALID}listen:\n  port: eighty\n`, '/etc/verso/gateway.yaml', { env: {} });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('/etc/verso/gateway.yaml: 1 configuration problem:\n  - /etc/verso/gateway.yaml:15 listen.port: must be integer; got "eighty"');
    }
  });
});

describe('config validation: clients, store, usage, pins and the admin token', () => {
  const line = VALID.split('\n').length;

  it('fills in the usage defaults: an SQLite file beside the config, 10 s flushes, a week of minute buckets, no pinning', () => {
    const config = loadConfigText(VALID, '/etc/verso/gateway.yaml', { env: {} });
    expect(config.store).toEqual({ kind: 'sqlite', file: '/etc/verso/data/usage.db' });
    expect(config.usage).toEqual({ record: true, flushIntervalMs: 10_000, bufferLimit: 100_000, rollupAfterMs: 7 * 24 * 3600_000 });
    expect(config.pins).toEqual({ enabled: false, refreshMs: 10_000, firstRequest: 'verified', limit: 100_000 });
    expect(config.clients).toEqual([{ kind: 'remote-address' }]);
  });

  it('turns pinning on when resolve.order lists pin, and compiles every kind of client rule', () => {
    const config = loadConfigText(`${VALID}
resolve: { order: [header, pin, default] }
store: { postgres: "postgres://verso:\${PGPASSWORD}@db:5432/verso" }
clients:
  - header: X-Client-Id
  - apiKey: { salt: "0123456789abcdef", labels: { key_0123456789abcdef: Acme } }
  - jwt: { secret: "\${JWT_SECRET}", jwks: keys/jwks.json }
  - remoteAddress: true
`, '/etc/verso/gateway.yaml', { env: { PGPASSWORD: 'pw', JWT_SECRET: 'shh' } });
    expect(config.pins.enabled).toBe(true);
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://verso:pw@db:5432/verso' });
    expect(config.clients).toEqual([
      { kind: 'header', header: 'x-client-id' },
      { kind: 'api-key', header: 'x-api-key', salt: '0123456789abcdef', labels: new Map([['key_0123456789abcdef', 'Acme']]) },
      { kind: 'jwt', header: 'authorization', claim: 'sub', secret: 'shh', jwksFile: '/etc/verso/keys/jwks.json', issuer: undefined, audience: undefined },
      { kind: 'remote-address' },
    ]);
  });

  it('requires an admin token when the admin listener binds beyond loopback', () => {
    expect(problems(`${VALID}admin: { host: 0.0.0.0 }`)).toEqual([
      `gateway.yaml:${line} admin.token: is required because admin.host "0.0.0.0" is not a loopback address; set a bearer token of at least 16 characters (token: \${VERSO_ADMIN_TOKEN}) or bind admin.host to 127.0.0.1`,
    ]);
    expect(problems(`${VALID}admin: { host: 0.0.0.0, token: short }`)).toEqual([
      `gateway.yaml:${line} admin.token: must NOT have fewer than 16 characters; got a value of 5 characters (not shown: it is a secret)`,
    ]);
  });

  it('never prints a secret\'s value in a problem', () => {
    const text = problems(`${VALID}admin: { host: 0.0.0.0, token: [hunter2-hunter2] }\nstore: { postgres: "mysql://verso:hunter2@db/verso" }`).join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('; got a list (not shown: it is a secret)');
    expect(text).toContain('; got "mysql://verso:***@db/verso"');
  });

  it('keeps pin after every source a request carries', () => {
    expect(problems(`${VALID}resolve: { order: [pin, header, default] }`)).toEqual([
      `gateway.yaml:${line} resolve.order[0]: "pin" applies only when the request names no version, so it must come after "header" (only "default" may follow it); got [pin, header, default]`,
    ]);
  });

  it('names client rule mistakes: a missing salt, a label that is not a key id, a typo, two rules in one', () => {
    expect(problems(`${VALID}clients:
  - apiKey: { header: X-Api-Key, labels: { acme: Acme } }
  - jwt: { claim: sub, secrett: x }
  - { header: X-Client-Id, remoteAddress: true }
`)).toEqual([
      `gateway.yaml:${line + 1} clients[0].apiKey: missing required key "salt"`,
      `gateway.yaml:${line + 1} clients[0].apiKey.labels.acme: invalid name; must be a key id as \`verso key-id\` prints it, such as "key_3f2a9c1d0b4e5f60"`,
      `gateway.yaml:${line + 2} clients[1].jwt.secrett: unknown key (did you mean "secret"?); valid keys here: header, claim, secret, jwks, issuer, audience`,
      `gateway.yaml:${line + 3} clients[2]: must be a client rule, exactly one of: { header: X-Client-Id }, { apiKey: { header, salt, labels } }, { jwt: { header, claim, secret | jwks } } or { remoteAddress: true }; got {"header":"X-Client-Id","remoteAddress":true}`,
    ]);
  });

  it('rejects client rules after remoteAddress, which would never be tried', () => {
    expect(problems(`${VALID}clients:
  - remoteAddress: true
  - header: X-Client-Id
`)).toEqual([
      `gateway.yaml:${line + 1} clients[0]: remoteAddress always identifies a client, so the rules after it would never be tried; make it the last rule`,
    ]);
  });

  it('wants exactly one store and a PostgreSQL connection string for postgres', () => {
    expect(problems(`${VALID}store: { sqlite: a.db, postgres: "postgres://x" }`)).toEqual([
      `gateway.yaml:${line} store: must be exactly one of { sqlite: FILE } or { postgres: CONNECTION_STRING }; got {"sqlite":"a.db","postgres":"postgres://x"}`,
    ]);
    expect(problems(`${VALID}store: { postgres: "mysql://x" }`)).toEqual([
      `gateway.yaml:${line} store.postgres: must be a PostgreSQL connection string such as "postgres://verso:\${PGPASSWORD}@db:5432/verso"; got "mysql://x"`,
    ]);
  });
});
