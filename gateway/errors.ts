/**
 * Every error the gateway itself produces, in one place: a stable code, the HTTP status and the
 * RFC 9457 problem `type` slug (appended to `problems.baseUrl`). Codes are never reused; a retired
 * one stays here, marked retired. The README's "Errors" table documents each (a test checks it).
 */

export const PROBLEMS = {
  VERSO_INVALID_VERSION: { status: 400, type: 'invalid-version', title: 'Malformed API version' },
  VERSO_UNKNOWN_VERSION: { status: 400, type: 'unknown-version', title: 'Unknown API version' },
  VERSO_VERSION_CONFLICT: { status: 400, type: 'version-conflict', title: 'Conflicting API versions' },
  VERSO_VERSION_REQUIRED: { status: 400, type: 'version-required', title: 'API version required' },
  VERSO_INVALID_PATH: { status: 400, type: 'invalid-path', title: 'Invalid request path' },
  VERSO_MALFORMED_REQUEST: { status: 400, type: 'malformed-request', title: 'Malformed HTTP request' },
  VERSO_INVALID_JSON: { status: 400, type: 'invalid-json', title: 'Request body is not valid JSON' },
  VERSO_INVALID_FORM: { status: 400, type: 'invalid-form', title: 'Request body is not a readable form' },
  VERSO_UPGRADE_REFUSED: { status: 400, type: 'upgrade-refused', title: 'Protocol upgrade not accepted' },
  VERSO_NOT_FOUND: { status: 404, type: 'not-found', title: 'No route for this path' },
  VERSO_ENDPOINT_NOT_IN_VERSION: { status: 404, type: 'endpoint-not-in-version', title: 'Endpoint not available in this API version' },
  VERSO_VERSION_SUNSET: { status: 410, type: 'version-sunset', title: 'API version sunset' },
  VERSO_VERSION_BROWNOUT: { status: 410, type: 'version-brownout', title: 'API version in a scheduled brownout' },
  VERSO_REQUEST_TIMEOUT: { status: 408, type: 'request-timeout', title: 'Request not received in time' },
  VERSO_BODY_TOO_LARGE: { status: 413, type: 'body-too-large', title: 'Request body too large' },
  VERSO_HEADERS_TOO_LARGE: { status: 431, type: 'headers-too-large', title: 'Request headers too large' },
  VERSO_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'unsupported-media-type', title: 'Request body media type cannot be translated' },
  VERSO_INTERNAL: { status: 500, type: 'internal', title: 'Internal gateway error' },
  VERSO_CHANGE_FAILED: { status: 500, type: 'change-failed', title: 'A version change failed' },
  VERSO_BAD_GATEWAY: { status: 502, type: 'bad-gateway', title: 'Upstream unavailable' },
  VERSO_SHUTTING_DOWN: { status: 503, type: 'shutting-down', title: 'Gateway shutting down' },
  VERSO_UPSTREAM_BUSY: { status: 503, type: 'upstream-busy', title: 'Upstream busy' },
  VERSO_GATEWAY_TIMEOUT: { status: 504, type: 'gateway-timeout', title: 'Upstream timed out' },
  // The admin listener (usage API, pins, dashboard, metrics).
  VERSO_ADMIN_UNAUTHORIZED: { status: 401, type: 'admin-unauthorized', title: 'Admin token required' },
  VERSO_INVALID_QUERY: { status: 400, type: 'invalid-query', title: 'Invalid query parameter' },
  VERSO_INVALID_PIN: { status: 400, type: 'invalid-pin', title: 'Invalid pin' },
  VERSO_PIN_NOT_FOUND: { status: 404, type: 'pin-not-found', title: 'No pin for this client' },
  VERSO_UNKNOWN_CLIENT: { status: 404, type: 'unknown-client', title: 'Unknown client' },
  VERSO_NO_DOCUMENT: { status: 404, type: 'no-document', title: 'No such document' },
  VERSO_ADMIN_NOT_FOUND: { status: 404, type: 'admin-not-found', title: 'No admin endpoint here' },
  VERSO_STORE_UNAVAILABLE: { status: 503, type: 'store-unavailable', title: 'Usage store unavailable' },
} as const satisfies Record<string, { status: number; type: string; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** The codes only the admin listener answers with (always RFC 9457, whatever `errors.format` says). */
export const ADMIN_ONLY: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  'VERSO_ADMIN_UNAUTHORIZED', 'VERSO_INVALID_QUERY', 'VERSO_INVALID_PIN', 'VERSO_PIN_NOT_FOUND',
  'VERSO_UNKNOWN_CLIENT', 'VERSO_NO_DOCUMENT', 'VERSO_ADMIN_NOT_FOUND', 'VERSO_STORE_UNAVAILABLE',
]);

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ProblemCode;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Build an RFC 9457 body; `extensions` carry machine-readable facts such as `supported_versions`. */
export function problem(
  baseUrl: string,
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  const { status, type, title } = PROBLEMS[code];
  return { type: `${baseUrl}${type}`, title, status, detail, code, ...extensions };
}
