/**
 * The Cognito user pool authorizer, as API Gateway REST runs it in front of every route: the ID token
 * from the Authorization header (raw, or `Bearer <token>`) is verified against the pool's JWKS —
 * signature, expiry, issuer, audience (the app client) and `token_use` = `id` — and its claims are handed
 * to the integration as strings. Unlike SAM and serverless-offline, nothing is skipped or merely decoded.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { tokenOf } from '../../functions/http/groups.ts';
import { javaDate } from './dates.ts';

/** The token in an Authorization header: the raw JWT, or `Bearer <JWT>` (the functions read it the same way). */
export const tokenFrom = tokenOf;

export type AuthorizerResult =
  | { ok: true; claims: Readonly<Record<string, string>> }
  | { ok: false; status: 401; message: string; errorType: 'UnauthorizedException' };

export interface CognitoAuthorizerOptions {
  /** `<cognito endpoint>/<user pool id>`, the `iss` of the pool's tokens. */
  issuer: string;
  /** The app client id, the `aud` of its ID tokens. */
  clientId: string;
  /** The pool's public keys, or a key resolver such as jose's createRemoteJWKSet. */
  jwks: JSONWebKeySet | JWTVerifyGetKey;
  /** For tests: the time tokens are checked at. */
  now?: () => Date;
}

export type Authorizer = (authorization: string | undefined) => Promise<AuthorizerResult>;

/** API Gateway's words for a refused token (the API document lists them). */
export const AUTHORIZER_MESSAGES = { unauthorized: 'Unauthorized', expired: 'The incoming token has expired' } as const;
const UNAUTHORIZED: AuthorizerResult = {
  ok: false,
  status: 401,
  message: AUTHORIZER_MESSAGES.unauthorized,
  errorType: 'UnauthorizedException',
};
const EXPIRED: AuthorizerResult = { ok: false, status: 401, message: AUTHORIZER_MESSAGES.expired, errorType: 'UnauthorizedException' };

/** Verified tokens kept at most (oldest first out): a developer's stack sees a handful of users. */
export const VERIFIED_TOKENS_KEPT = 10_000;

interface VerifiedToken {
  claims: Record<string, string>;
  /** Seconds since the epoch. */
  exp: number;
}

/**
 * Each token is verified once: an RS256 signature check and jose's claim checks were the largest part of
 * the gateway's own work per request. A token's text fixes its signature and claims, and the issuer,
 * audience and keys are fixed for this authorizer, so the outcome for the same text can only change
 * with time: a token that passed is accepted again by its exact text until it expires (and then answered
 * as expired, as jose would), nothing else. Refused tokens are not kept (a client sending junk must not
 * fill the cache). Keys removed from a remote JWKS keep their verified tokens until those expire (local
 * mode's keys never change).
 */
export function createCognitoAuthorizer(options: CognitoAuthorizerOptions): Authorizer {
  const keys = typeof options.jwks === 'function' ? options.jwks : createLocalJWKSet(options.jwks);
  const verified = new Map<string, VerifiedToken>();
  const nowSeconds = () => Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const remember = (token: string, entry: VerifiedToken) => {
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string);
    verified.set(token, entry);
  };
  return async (authorization) => {
    const token = tokenOf(authorization);
    if (!token) return UNAUTHORIZED;
    const known = verified.get(token);
    if (known) {
      // jose's rule: expired once `exp` <= now (no clock tolerance).
      if (known.exp > nowSeconds()) return { ok: true, claims: known.claims };
      verified.delete(token);
      return EXPIRED;
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.clientId,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        ...(options.now ? { currentDate: options.now() } : {}),
      });
      // An access token (token_use=access) only passes an authorizer that has OAuth scopes; ours has none.
      if (payload.token_use !== 'id') return UNAUTHORIZED;
      const claims = Object.freeze(claimsAsApiGatewayPassesThem(payload));
      remember(token, { claims, exp: payload.exp as number });
      return { ok: true, claims };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return EXPIRED;
      return UNAUTHORIZED;
    }
  };
}

/**
 * API Gateway REST flattens the claims to strings: numbers as decimal strings, `exp`/`iat` as Java dates
 * ("Mon Apr 06 23:14:41 UTC 2020"), booleans as "true"/"false", and `cognito:groups` as one
 * comma-joined string.
 */
export function claimsAsApiGatewayPassesThem(payload: JWTPayload): Record<string, string> {
  const claims: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if ((name === 'exp' || name === 'iat') && typeof value === 'number') claims.push([name, javaDate(value)]);
    else if (Array.isArray(value)) claims.push([name, value.map(String).join(',')]);
    else if (typeof value === 'object') claims.push([name, JSON.stringify(value)]);
    else claims.push([name, String(value)]);
  }
  // Own properties whatever the claim's name (a token may carry a `__proto__` claim).
  return Object.fromEntries(claims);
}
