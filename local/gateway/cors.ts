/**
 * The CORS headers API Gateway itself sends, built from functions/http/cors.ts the way the infrastructure
 * builds them (corsPlan in infra/constructs/api.ts): `*` or a single allowed origin is a static header;
 * with several, a preflight echoes the request's Origin only when it is listed, and gateway responses
 * (401, 403, 413, 5xx) carry no Access-Control-Allow-Origin, since they cannot choose one per request.
 * The functions' own responses get their CORS headers from the handler wrapper, not from here.
 */
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../functions/http/cors.ts';

function singleOrigin(allowedOrigins: readonly string[]): string | undefined {
  if (allowedOrigins.includes('*')) return '*';
  return allowedOrigins.length === 1 ? allowedOrigins[0] : undefined;
}

/** The answer to OPTIONS on a resource (a MOCK integration, no authorization). */
export function gatewayPreflightHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  const single = singleOrigin(allowedOrigins);
  const headers: Record<string, string> = {
    'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS.join(','),
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(','),
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(','),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
  if (single !== undefined) headers['Access-Control-Allow-Origin'] = single;
  else if (origin && allowedOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;
  if (single !== '*') headers.Vary = 'Origin';
  return headers;
}

/** The headers of the gateway's own error responses. */
export function gatewayResponseHeaders(allowedOrigins: readonly string[]): Record<string, string> {
  const single = singleOrigin(allowedOrigins);
  return {
    ...(single !== undefined ? { 'Access-Control-Allow-Origin': single } : {}),
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(','),
    'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS.join(','),
    'Cache-Control': 'no-store',
    ...(single !== '*' ? { Vary: 'Origin' } : {}),
  };
}
