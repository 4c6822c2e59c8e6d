/**
 * The caller's Cognito groups, exactly. API Gateway REST hands the functions `cognito:groups` flattened
 * into one string ("admin,editors"; other set-ups show "[admin editors]" or a JSON array). Cognito allows
 * commas, brackets and quotes in group names, so no reading of that string is exact: a single group
 * named `readers,admin` and the two groups `readers` and `admin` arrive as the same text, as do a group
 * named `[admin]` and the group `admin` in the bracketed form. The ID token itself holds the real array,
 * and it is in the Authorization header; so a route that decides on groups verifies that token (RS256
 * signature by one of the pool's keys, `token_use`, expiry, the `sub` the authorizer passed) and reads
 * the array. The flattened claim is never used to grant anything.
 *
 * The signature check is node:crypto's; this module only takes the compact JWT apart, strictly. (jose,
 * which local mode's gateway uses, would put the admin bundle over its 300 KB budget.)
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { config, type FunctionConfig, requireSetting } from '../config/env.ts';

interface Jwk extends JsonWebKey {
  kid?: string;
  alg?: string;
  use?: string;
}

/** How long fetched keys are trusted before they are fetched again; an unknown key id refetches sooner. */
const KEYS_MAX_AGE_MS = 60 * 60 * 1000;
const REFETCH_AFTER_MS = 60 * 1000;
const FETCH_TIMEOUT_MS = 3000;
/** exp is checked with this much leeway: the authorizer accepted the token a moment ago. */
const CLOCK_TOLERANCE_SECONDS = 5;

let cached: { keys: Map<string, KeyObject>; fetchedAt: number } | undefined;
let fetching: Promise<Map<string, KeyObject>> | undefined;

/** The token of an Authorization header, as API Gateway's Cognito authorizer takes it (raw or `Bearer <token>`). */
export function tokenOf(authorization: string | undefined): string | undefined {
  const value = authorization?.trim();
  if (!value) return undefined;
  return /^bearer\s+(.+)$/i.exec(value)?.[1]?.trim() ?? value;
}

function keySet(document: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const list = (document as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error('The user pool’s JWKS has no keys');
  for (const jwk of list as Jwk[]) {
    if (jwk?.kty !== 'RSA' || typeof jwk.kid !== 'string' || (jwk.alg !== undefined && jwk.alg !== 'RS256')) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
  }
  return keys;
}

/** The pool's signing keys by key id: inline (local mode, tests) or fetched from the issuer and cached. */
async function poolKeys(kid: string, { idTokenJwks, idTokenIssuer }: FunctionConfig): Promise<Map<string, KeyObject>> {
  const now = Date.now();
  if (cached && (cached.keys.has(kid) || now - cached.fetchedAt < REFETCH_AFTER_MS) && now - cached.fetchedAt < KEYS_MAX_AGE_MS) {
    return cached.keys;
  }
  fetching ??= (async () => {
    try {
      const document = idTokenJwks
        ? JSON.parse(idTokenJwks)
        : await fetchJson(`${requireSetting(idTokenIssuer, 'ID_TOKEN_ISSUER')}/.well-known/jwks.json`);
      const keys = keySet(document);
      cached = { keys, fetchedAt: Date.now() };
      return keys;
    } finally {
      fetching = undefined;
    }
  })();
  return fetching;
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

/** A base64url segment decoded, only when it is spelled canonically (no padding, no stray characters). */
function segment(text: string | undefined): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function jsonObject(bytes: Buffer | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of a compact RS256 JWT signed by one of the pool's keys and not expired, or undefined. */
async function verifiedClaims(token: string, settings: FunctionConfig): Promise<Record<string, unknown> | undefined> {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerText, payloadText, signatureText] = parts as [string, string, string];
  const header = jsonObject(segment(headerText));
  const signature = segment(signatureText);
  if (header?.alg !== 'RS256' || typeof header.kid !== 'string' || header.crit !== undefined || !signature?.byteLength) return undefined;
  const key = (await poolKeys(header.kid, settings)).get(header.kid);
  if (!key || !verify('sha256', Buffer.from(`${headerText}.${payloadText}`), key, signature)) return undefined;
  const claims = jsonObject(segment(payloadText));
  const now = Date.now() / 1000;
  if (!claims || typeof claims.exp !== 'number' || claims.exp + CLOCK_TOLERANCE_SECONDS < now) return undefined;
  // With inline keys (local mode) the keys are the pool's own; fetched ones are checked against their issuer.
  if (!settings.idTokenJwks && claims.iss !== settings.idTokenIssuer) return undefined;
  return claims;
}

/**
 * The groups of `userId` according to the ID token in `authorization`; empty when that token is not a
 * valid ID token of the pool for this user (it is then not the token the authorizer accepted).
 */
export async function verifiedGroups(authorization: string | undefined, userId: string, settings = config()): Promise<string[]> {
  const token = tokenOf(authorization);
  const claims = token ? await verifiedClaims(token, settings) : undefined;
  if (claims?.token_use !== 'id' || claims.sub !== userId) return [];
  const groups = claims['cognito:groups'];
  return Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [];
}

/** For tests that change the configuration between cases. */
export function forgetPoolKeys(): void {
  cached = undefined;
  fetching = undefined;
}
