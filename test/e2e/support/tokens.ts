/**
 * Tokens the gateway must refuse, made from a real one: re-signed with cognito-local's own key but with
 * changed claims (expired, another audience), altered without re-signing, or signed with a foreign key.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { SignJWT } from 'jose';
import { claimsOf } from './stack.ts';

const require = createRequire(import.meta.url);

let cognitoLocalKey: KeyObject | undefined;
async function localSigningKey(): Promise<KeyObject> {
  if (!cognitoLocalKey) {
    const file = require.resolve('cognito-local/lib/keys/cognitoLocal.private.json');
    const { pem } = JSON.parse(await readFile(file, 'utf8')) as { pem: string };
    cognitoLocalKey = createPrivateKey(pem);
  }
  return cognitoLocalKey;
}

function headerOf(jwt: string): { kid?: string; alg?: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

/** The same token with some claims changed, validly signed by cognito-local's key (so only the claims are wrong). */
export async function resign(jwt: string, changes: Record<string, unknown>, key?: KeyObject): Promise<string> {
  const claims = { ...claimsOf(jwt), ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: headerOf(jwt).kid ?? 'CognitoLocal', typ: 'JWT' })
    .sign(key ?? (await localSigningKey()));
}

/** The payload changed (another sub) but the original signature kept. */
export function tamper(jwt: string, changes: Record<string, unknown>): string {
  const [header, , signature] = jwt.split('.');
  const payload = Buffer.from(JSON.stringify({ ...claimsOf(jwt), ...changes })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Same claims, signed with a key nobody trusts. */
export async function signWithForeignKey(jwt: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return resign(jwt, {}, privateKey);
}

/** `alg: none`, no signature. */
export function unsigned(jwt: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = jwt.split('.')[1];
  return `${header}.${payload}.`;
}
