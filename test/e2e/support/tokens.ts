/**
 * Tokens the gateway must refuse, made from a real one: re-signed with the local pool's own key but with
 * changed claims (expired, another audience or issuer), altered without re-signing, signed with a foreign
 * key, or not signed at all. Local mode keeps the pool's private key in its data directory (mode 0600), so
 * a test can mint tokens whose only fault is the one under test.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { claimsOf } from './stack.ts';

export type SigningKey = KeyObject | Awaited<ReturnType<typeof importJWK>>;

/** The local user pool's private key, found in the stack's data directory (a JSON file with `privateJwk`). */
export async function poolSigningKey(dataDir: string): Promise<SigningKey> {
  const visit = async (dir: string, depth: number): Promise<JWK | undefined> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.json')) {
        try {
          const parsed = JSON.parse(await readFile(path, 'utf8')) as { privateJwk?: JWK };
          if (parsed.privateJwk?.d) return parsed.privateJwk;
        } catch {
          // not the key file
        }
      } else if (entry.isDirectory() && depth > 0) {
        const found = await visit(path, depth - 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  const jwk = await visit(dataDir, 2);
  if (!jwk) throw new Error(`No signing key (a JSON file with privateJwk) under ${dataDir}`);
  return importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
}

function headerOf(jwt: string): { kid?: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

/** The same token with some claims changed (undefined removes one), validly signed by `key`. */
export async function resign(jwt: string, key: SigningKey, changes: Record<string, unknown>): Promise<string> {
  const claims = { ...claimsOf(jwt), ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name];
  const kid = headerOf(jwt).kid;
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) }).sign(key);
}

/** The payload changed but the original signature kept. */
export function tamper(jwt: string, changes: Record<string, unknown>): string {
  const [header, , signature] = jwt.split('.');
  const payload = Buffer.from(JSON.stringify({ ...claimsOf(jwt), ...changes })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Same claims and key id, signed with a key nobody trusts. */
export async function signWithForeignKey(jwt: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return resign(jwt, privateKey, {});
}

/** `alg: none`, no signature. */
export function unsigned(jwt: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${jwt.split('.')[1]}.`;
}
