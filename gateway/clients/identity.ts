/** Who sent a request, as client identification (identify.ts) names it and usage records it. */

export interface ClientIdentity {
  /** The client id: a header value, `key_…` for an API key, a JWT claim, or the remote address. */
  id: string;
  by: 'header' | 'api-key' | 'jwt' | 'remote-address';
  /** API keys: the label configured for this key id. */
  label?: string;
  /** JWT: whether the signature was verified (false: read unverified, no secret or JWKS configured). */
  verified?: boolean;
}

export interface IdentifyInput {
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
}
