/**
 * A stand-in user pool for the unit suites: its key pair, its public JWKS (test/support/env.ts hands it
 * to the functions as ID_TOKEN_JWKS) and ID tokens signed with it, made synchronously so that
 * makeEvent() can put one in the Authorization header as API Gateway passes it on.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

const KID = 'unit-test-pool';
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });

export const POOL_JWKS = { keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] };

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWT over `claims`, signed by the test pool (or `key`). */
export function signJwt(claims: Record<string, unknown>, key: KeyObject = pair.privateKey, kid = KID): string {
  const signingInput = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}

/** A valid ID token of the test pool for `sub`, in `groups`, with any claims changed. */
export function idToken(sub: string, groups: readonly string[], changes: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub, token_use: 'id', iat: now, exp: now + 3600, ...changes };
  if (groups.length > 0) claims['cognito:groups'] = [...groups];
  return signJwt(claims);
}

/** A key the test pool never published. */
export function foreignKey(): KeyObject {
  return createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
}
