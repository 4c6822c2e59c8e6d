/**
 * The local user pool's own RS256 signing key. It is generated on first start and kept in the data
 * folder (mode 0600), or only in memory for a throw-away run: never a key committed anywhere, and never
 * the key pair that ships publicly inside the cognito-local package.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type JSONWebKeySet } from 'jose';

export const SIGNING_ALGORITHM = 'RS256';

/** What jose signs with (a CryptoKey here). */
export type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
  /** The document the pool serves at /<pool>/.well-known/jwks.json. */
  jwks: JSONWebKeySet;
}

interface StoredKey {
  privateJwk: JWK;
}

export async function createSigningKey(): Promise<{ key: SigningKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true, modulusLength: 2048 });
  const privateJwk = await exportJWK(privateKey);
  return { key: await fromPrivateJwk(privateJwk), privateJwk };
}

/** The key stored in `file`, or a new one written there; with no file, a new key kept in memory only. */
export async function loadOrCreateSigningKey(file: string | undefined): Promise<SigningKey> {
  if (!file) return (await createSigningKey()).key;
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as StoredKey;
    await chmod(file, 0o600);
    return await fromPrivateJwk(stored.privateJwk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read the local signing key ${file}: ${String(error)}`);
  }
  const { key, privateJwk } = await createSigningKey();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ privateJwk } satisfies StoredKey)}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

async function fromPrivateJwk(privateJwk: JWK): Promise<SigningKey> {
  const { kty, n, e } = privateJwk;
  if (kty !== 'RSA' || !n || !e) throw new Error('The local signing key is not an RSA key');
  const kid = await calculateJwkThumbprint({ kty, n, e });
  const privateKey = await importJWK({ ...privateJwk, alg: SIGNING_ALGORITHM }, SIGNING_ALGORITHM);
  const publicJwk: JWK = { kty, n, e, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return { kid, privateKey, publicJwk, jwks: { keys: [publicJwk] } };
}
