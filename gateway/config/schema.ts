/**
 * The JSON Schema of `gateway.yaml`. Defaults live beside each key (ajv `useDefaults`), and every
 * object is closed (`additionalProperties: false`) so a typo is reported instead of ignored.
 * Cross-field rules (a sunset after its deprecation, a route naming a known upstream, …) are in
 * `checks.ts`; the README's configuration reference documents each key here.
 */

const duration = {
  description: 'a duration: milliseconds as a number, or a string such as "500ms", "30s", "2m", "1h"',
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)$' },
  ],
} as const;

const size = {
  description: 'a size: bytes as a number, or a string such as "512kb", "1mb"',
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)$' },
  ],
} as const;

/** A calendar date (`2025-06-01`) or an RFC 3339 date-time (`2025-06-01T12:00:00Z`). */
const instant = {
  description: 'a date such as "2025-06-01" or an RFC 3339 date-time such as "2025-06-01T12:00:00Z"',
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
} as const;

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

/** What a version identifier or alias may look like: a URL path segment and a header token. */
const versionToken = {
  description: 'a version id or alias: letters, digits, ".", "_" and "-", such as "2025-06-01" or "v2"',
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;

const headerName = {
  description: 'an HTTP header name such as "API-Version"',
  type: 'string',
  pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" } as const;

export const RESOLUTION_SOURCES = ['header', 'path', 'query', 'media-type', 'pin', 'default'] as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['versions', 'upstreams', 'routes'],
  properties: {
    listen: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '0.0.0.0' },
        port: { ...port, default: 8080 },
        headersTimeout: { ...duration, default: '60s', description: 'the longest a client may take to send its request headers (408)' },
        bodyTimeout: { ...duration, default: '60s', description: 'the longest a request body may stall between two chunks (408); 0 turns it off' },
        requestTimeout: { ...duration, default: '300s', description: 'the longest a client may take to send its whole request (408); 0 turns it off' },
        keepAliveTimeout: { ...duration, default: '72s', description: 'how long an idle keep-alive connection stays open' },
        connectionsCheckingInterval: { ...duration, default: '30s', description: 'how often connections are checked against headersTimeout and requestTimeout' },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { ...port, default: 9901 },
        token: { type: 'string', minLength: 16, description: 'a bearer token of at least 16 characters, best from the environment: "${VERSO_ADMIN_TOKEN}"' },
      },
    },
    versions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: versionToken,
          aliases: { type: 'array', items: versionToken, default: [] },
          docs: { type: 'string', format: 'uri' },
          deprecationLink: { type: 'string', format: 'uri' },
          deprecated: instant,
          sunset: instant,
          successor: versionToken,
          brownouts: {
            type: 'array',
            default: [],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['start', 'end'],
              properties: {
                start: instant,
                end: instant,
                percentage: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 100 },
              },
            },
          },
        },
      },
    },
    resolve: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        order: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: [...RESOLUTION_SOURCES] },
          default: ['header', 'path', 'query', 'media-type', 'default'],
        },
        header: { ...headerName, default: 'API-Version' },
        query: { type: 'string', minLength: 1, default: 'api-version' },
        mediaType: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            parameter: { type: 'string', minLength: 1, default: 'version' },
            vendor: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9.-]*$', description: 'the NAME in application/vnd.NAME.v2+json, such as "shop"' },
            unknownVendor: { enum: ['ignore', 'reject'], default: 'ignore', description: 'what a vendor media type whose version part names no version is: ignored (as if absent) or a 400' },
          },
        },
        default: { ...versionToken, default: 'head' },
        responseHeader: { ...headerName, default: 'API-Version' },
      },
    },
    clients: {
      type: 'array',
      default: [{ remoteAddress: true }],
      items: {
        description: 'a client rule, exactly one of: { header: X-Client-Id }, { apiKey: { header, salt, labels } }, { jwt: { header, claim, secret | jwks } } or { remoteAddress: true }',
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          header: headerName,
          apiKey: {
            type: 'object',
            additionalProperties: false,
            required: ['salt'],
            properties: {
              header: { ...headerName, default: 'X-Api-Key' },
              salt: { type: 'string', minLength: 16, description: 'a secret salt of at least 16 characters, best from the environment: "${VERSO_API_KEY_SALT}"' },
              labels: {
                type: 'object',
                default: {},
                propertyNames: { pattern: '^key_[0-9a-f]{16}$', description: 'a key id as `verso key-id` prints it, such as "key_3f2a9c1d0b4e5f60"' },
                additionalProperties: { type: 'string', minLength: 1 },
              },
            },
          },
          jwt: {
            type: 'object',
            additionalProperties: false,
            properties: {
              header: { ...headerName, default: 'Authorization' },
              claim: { type: 'string', minLength: 1, default: 'sub' },
              secret: { type: 'string', minLength: 1, description: 'the HMAC secret (HS256/384/512), best from the environment: "${JWT_SECRET}"' },
              jwks: { type: 'string', minLength: 1, description: 'a path to a JWKS file (RS*, PS*, ES*, EdDSA keys), relative to this file' },
              issuer: { type: 'string', minLength: 1 },
              audience: { type: 'string', minLength: 1 },
            },
          },
          remoteAddress: { const: true },
        },
      },
    },
    upstreams: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z0-9_-]+$', description: 'an upstream name: letters, digits, "_" and "-"' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: {
          url: { type: 'string', pattern: '^https?://[^/?#]+', description: 'an http:// or https:// URL such as "http://127.0.0.1:3000"' },
          speaks: { ...versionToken, default: 'head' },
          timeout: { ...duration, default: '30s' },
          connectTimeout: { ...duration, default: '5s' },
          connections: { type: 'integer', minimum: 1, maximum: 65536, default: 128, description: 'the most connections open to this upstream at once; further requests wait for one' },
          queueLimit: { type: 'integer', minimum: 0, default: 1024, description: 'the most requests waiting for a connection to this upstream; past it, 503 with Retry-After' },
          health: { type: 'string', pattern: '^/', description: 'a path starting with "/", such as "/health"' },
        },
      },
    },
    routes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['prefix', 'upstream'],
        properties: {
          prefix: { type: 'string', pattern: '^/', description: 'a path prefix starting with "/", such as "/orders"' },
          upstream: { type: 'string' },
          websocket: { type: 'boolean', default: true, description: 'whether WebSocket upgrades on this route are proxied (false: 400 upgrade-refused)' },
          overrides: {
            type: 'array',
            default: [],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['versions', 'upstream'],
              properties: {
                versions: { type: 'array', minItems: 1, items: versionToken },
                upstream: { type: 'string' },
              },
            },
          },
        },
      },
    },
    translation: {
      type: 'object',
      additionalProperties: false,
      required: ['spec', 'changes'],
      properties: {
        spec: { type: 'string', minLength: 1, description: 'a path to the head OpenAPI document, relative to this file' },
        changes: { type: 'string', minLength: 1, description: 'a path to the versions/ folder of changes, relative to this file' },
      },
    },
    proxy: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        bodyLimit: { ...size, default: '1mb' },
        translateLimit: { ...size, default: '8mb', description: 'the largest upstream answer held in memory to be translated; a larger one gets 502' },
        jsonDepth: { type: 'integer', minimum: 1, maximum: 10000, default: 256, description: 'the deepest nesting of arrays and objects in a JSON body Verso translates' },
        trustForwarded: { type: 'boolean', default: false },
        shutdownTimeout: { ...duration, default: '30s' },
      },
    },
    workers: {
      description: 'how many worker processes serve the public listener: a number, or "auto" for one per CPU core',
      anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }],
      default: 1,
    },
    reload: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        watch: { type: 'boolean', default: false, description: 'reload when the config file, the spec or a change file changes (as SIGHUP does)' },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
    errors: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        format: { enum: ['problem', 'template'], default: 'problem', description: '"problem" (RFC 9457) or "template" (the API\'s own error shape, errors.template)' },
        contentType: { type: 'string', minLength: 1, default: 'application/json', description: 'the Content-Type of errors rendered from errors.template' },
        template: { type: 'object', description: 'the API\'s error body, with "{detail}", "{code}", "{status}", … where the gateway\'s values go' },
      },
    },
    problems: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        baseUrl: { type: 'string', format: 'uri', default: 'https://verso.dev/problems/' },
      },
    },
    store: {
      description: 'exactly one of { sqlite: FILE } or { postgres: CONNECTION_STRING }',
      type: 'object',
      additionalProperties: false,
      default: { sqlite: 'data/usage.db' },
      minProperties: 1,
      maxProperties: 1,
      properties: {
        sqlite: { type: 'string', minLength: 1, description: 'a SQLite file path relative to this file (created on first start), or ":memory:"' },
        postgres: { type: 'string', pattern: '^postgres(ql)?://', description: 'a PostgreSQL connection string such as "postgres://verso:${PGPASSWORD}@db:5432/verso"' },
      },
    },
    usage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        record: { type: 'boolean', default: true },
        flushInterval: { ...duration, default: '10s' },
        bufferLimit: { type: 'integer', minimum: 1, default: 100000, description: 'the most distinct usage rows held in memory while the store is unreachable' },
        rollupAfter: { ...duration, default: '168h' },
      },
    },
    pins: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        refresh: { ...duration, default: '10s' },
        firstRequest: { enum: ['verified', 'all'], default: 'verified', description: 'which clients a first request pins: "verified" (API keys, verified JWTs: ids a client cannot mint at will) or "all" (header ids too)' },
        limit: { type: 'integer', minimum: 0, default: 100_000, description: 'the most pins a gateway holds in memory; past it, first requests pin no new client (admin pins still apply)' },
      },
    },
  },
} as const;
