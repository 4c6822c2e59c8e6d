/**
 * CORS for the configured origins. The same rules serve the Lambda responses, the API Gateway preflight
 * and gateway responses (infra) and the local emulator.
 */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match'];
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location'];
export const CORS_ALLOWED_METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'];
export const CORS_MAX_AGE_SECONDS = 600;

/** The Access-Control-Allow-Origin value for a request from `origin`, or undefined when it is not allowed. */
export function allowedOrigin(origin: string | undefined, allowedOrigins: readonly string[]): string | undefined {
  if (allowedOrigins.includes('*')) return '*';
  if (origin && allowedOrigins.includes(origin)) return origin;
  return undefined;
}

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

export function preflightHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  const headers = corsHeaders(origin, allowedOrigins);
  if (!headers['Access-Control-Allow-Origin']) return headers;
  return {
    ...headers,
    'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS.join(', '),
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}
