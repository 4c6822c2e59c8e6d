/**
 * What a browser may send, derived from the routes: the methods they use and the request headers they
 * read. The functions' responses, API Gateway's preflights and gateway responses (infra) and local mode's
 * emulator all answer from one policy, so a new route's method or header is allowed wherever it is served.
 */
import type { RouteDefinition } from '../routes.ts';
import { fieldNamesOf } from './parameters.ts';

/** Response headers a browser script may read: the new task's address and the version to send back in If-Match. */
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location'] as const;
export const CORS_MAX_AGE_SECONDS = 600;
/** Where every route's caller sends the Cognito ID token (API Gateway's authorizer reads it there). */
export const AUTHORIZATION_HEADER = 'Authorization';

/** What CORS needs of a route; local mode's sandboxes report it for the routes of the current build. */
export interface CorsRoute {
  method: string;
  /** The request headers a browser must be allowed to send, in their canonical spelling. */
  requestHeaders: readonly string[];
}

export interface CorsPolicy {
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

/** `if-match` -> `If-Match`: schemas name headers in lower case, as the handlers read them. */
export function canonicalHeaderName(lowerCase: string): string {
  return lowerCase.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

export function corsRouteOf(route: Pick<RouteDefinition, 'method' | 'request'>): CorsRoute {
  const requestHeaders = [
    AUTHORIZATION_HEADER,
    ...(route.request.body ? ['Content-Type'] : []),
    ...fieldNamesOf(route.request.headers).map(canonicalHeaderName),
  ];
  return { method: route.method, requestHeaders };
}

/** A fixed order, so the policy (and the infrastructure's headers) does not change when routes are reordered. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const methodRank = (method: string) => (METHOD_ORDER.includes(method) ? METHOD_ORDER.indexOf(method) : METHOD_ORDER.length);

/** Every method the routes use (and OPTIONS, the preflight's own), every header they read. */
export function corsPolicy(routes: readonly CorsRoute[]): CorsPolicy {
  const methods = [...new Set(routes.map((route) => route.method.toUpperCase()))].sort(
    (a, b) => methodRank(a) - methodRank(b) || a.localeCompare(b),
  );
  const headers = [...new Set(routes.flatMap((route) => route.requestHeaders))].sort((a, b) => a.localeCompare(b));
  return {
    allowMethods: [...methods, 'OPTIONS'],
    allowHeaders: headers,
    exposeHeaders: CORS_EXPOSED_HEADERS,
    maxAgeSeconds: CORS_MAX_AGE_SECONDS,
  };
}

/** The policy of a route table. */
export function corsPolicyOf(routes: readonly Pick<RouteDefinition, 'method' | 'request'>[]): CorsPolicy {
  return corsPolicy(routes.map(corsRouteOf));
}
