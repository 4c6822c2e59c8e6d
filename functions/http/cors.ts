/**
 * CORS for the configured origins: the one set of rules behind the functions' responses, the API
 * Gateway preflights and gateway responses the infrastructure declares, and local mode's emulator. What
 * may be sent (methods, headers) is the route table's CORS policy (contract/cors-policy.ts).
 */
import { CORS_EXPOSED_HEADERS, type CorsPolicy } from '../contract/cors-policy.ts';

/** The Access-Control-Allow-Origin value for a request from `origin`, or undefined when it is not allowed. */
export function allowedOrigin(origin: string | undefined, allowedOrigins: readonly string[]): string | undefined {
  if (allowedOrigins.includes('*')) return '*';
  if (origin && allowedOrigins.includes(origin)) return origin;
  return undefined;
}

/**
 * The origin a static header can name: `*`, or the only allowed origin. With several, the answer depends
 * on the request, which API Gateway's static header mappings cannot express.
 */
export function singleAllowedOrigin(allowedOrigins: readonly string[]): string | undefined {
  if (allowedOrigins.includes('*')) return '*';
  return allowedOrigins.length === 1 ? allowedOrigins[0] : undefined;
}

/** The CORS headers of a function's response. */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  const allowOrigin = allowedOrigin(origin, allowedOrigins);
  const headers: Record<string, string> = {};
  // The answer depends on the Origin header whenever it is not a blanket '*'.
  if (!allowedOrigins.includes('*') && allowedOrigins.length > 0) headers.Vary = 'Origin';
  if (allowOrigin === undefined) return headers;
  headers['Access-Control-Allow-Origin'] = allowOrigin;
  headers['Access-Control-Expose-Headers'] = CORS_EXPOSED_HEADERS.join(', ');
  return headers;
}

/**
 * The answer to OPTIONS on a resource, which API Gateway gives itself (MOCK integration, no
 * authorization). With several allowed origins it names the request's Origin only when it is listed.
 */
export function gatewayPreflightHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
  policy: CorsPolicy,
): Record<string, string> {
  const single = singleAllowedOrigin(allowedOrigins);
  const allowOrigin = single ?? allowedOrigin(origin, allowedOrigins);
  return {
    'Access-Control-Allow-Methods': policy.allowMethods.join(','),
    'Access-Control-Allow-Headers': policy.allowHeaders.join(','),
    'Access-Control-Expose-Headers': policy.exposeHeaders.join(','),
    'Access-Control-Max-Age': String(policy.maxAgeSeconds),
    ...(allowOrigin !== undefined ? { 'Access-Control-Allow-Origin': allowOrigin } : {}),
    ...(single !== '*' ? { Vary: 'Origin' } : {}),
  };
}

/**
 * The headers of the gateway's own error responses (401, throttling, 5xx). They cannot choose an origin
 * per request, so with several allowed origins they allow none rather than echoing any.
 */
export function gatewayResponseHeaders(allowedOrigins: readonly string[], policy: CorsPolicy): Record<string, string> {
  const single = singleAllowedOrigin(allowedOrigins);
  return {
    ...(single !== undefined ? { 'Access-Control-Allow-Origin': single } : {}),
    'Access-Control-Allow-Headers': policy.allowHeaders.join(','),
    'Access-Control-Allow-Methods': policy.allowMethods.join(','),
    'Cache-Control': 'no-store',
    ...(single !== '*' ? { Vary: 'Origin' } : {}),
  };
}
