/**
 * Opaque, tamper-evident page tokens. The cursor (a DynamoDB key, which holds internal attributes) is
 * encrypted with AES-256-GCM. The caller, the query, the token's issue time and the version of the key
 * that sealed it are bound in as associated data, so a token only works for the user and the query that
 * received it, only for a limited time, and only with the key it names. Anything else fails and is
 * answered with a 400, never a 500.
 *
 * Layout (base64url): format (1 byte) | key version (1) | issued at, epoch seconds (4, big-endian) |
 * IV (12) | ciphertext | GCM tag (16).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { invalidPageToken, ValidationError } from '../tasks/errors.ts';

const FORMAT_VERSION = 2;
const HEADER_BYTES = 1 + 1 + 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** How long a token is honoured when the configuration does not say. */
export const DEFAULT_PAGE_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** A token issued this far "in the future" (another instance's clock) is still taken. */
const CLOCK_SKEW_SECONDS = 300;
export const MAX_KEY_VERSION = 255;

export interface TokenBinding {
  /** The operation and its filters, e.g. `listTasks` and the status. */
  query: string;
  userId: string;
}

/** The secret of one key version. */
export interface PageTokenKey {
  version: number;
  secret: Buffer;
}

export interface DecodeOptions {
  now?: Date;
  ttlSeconds?: number;
}

function encryptionKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'page-token-encryption', 32));
}

function associatedData(keyVersion: number, issuedAt: number, binding: TokenBinding): Buffer {
  return Buffer.from(JSON.stringify([FORMAT_VERSION, keyVersion, issuedAt, binding.query, binding.userId]));
}

const invalid = invalidPageToken;
const expired = () =>
  new ValidationError(
    [{ field: 'query.next_token', message: 'has expired: list again from the first page' }],
    'The page token has expired',
  );

export function encodePageToken(cursor: Record<string, unknown>, binding: TokenBinding, key: PageTokenKey, now = new Date()): string {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(FORMAT_VERSION, 0);
  header.writeUInt8(key.version, 1);
  header.writeUInt32BE(issuedAt, 2);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(key.secret), iv);
  cipher.setAAD(associatedData(key.version, issuedAt, binding));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(cursor), 'utf8'), cipher.final()]);
  return Buffer.concat([header, iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The key version a token claims to be sealed with (to look its secret up), or undefined for no token of ours. */
export function pageTokenKeyVersion(token: string): number | undefined {
  const raw = Buffer.from(token, 'base64url');
  if (raw.byteLength < HEADER_BYTES + IV_BYTES + TAG_BYTES + 2 || raw[0] !== FORMAT_VERSION || raw.toString('base64url') !== token) {
    return undefined;
  }
  return raw.readUInt8(1);
}

/**
 * The cursor a token holds. `key` is the secret of the version the token names, or undefined when that
 * version is no longer (or not yet) accepted.
 */
export function decodePageToken(
  token: string,
  binding: TokenBinding,
  key: PageTokenKey | undefined,
  { now = new Date(), ttlSeconds = DEFAULT_PAGE_TOKEN_TTL_SECONDS }: DecodeOptions = {},
): Record<string, unknown> {
  const version = pageTokenKeyVersion(token);
  if (version === undefined || key === undefined || key.version !== version) throw invalid();
  const raw = Buffer.from(token, 'base64url');
  const issuedAt = raw.readUInt32BE(2);
  let cursor: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey(key.secret), raw.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES));
    decipher.setAAD(associatedData(version, issuedAt, binding));
    decipher.setAuthTag(raw.subarray(raw.byteLength - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES + IV_BYTES, raw.byteLength - TAG_BYTES)), decipher.final()]);
    cursor = JSON.parse(plain.toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof cursor !== 'object' || cursor === null || Array.isArray(cursor)) throw invalid();
  // Only a genuine token gets this far, so its issue time is the one this service wrote.
  const age = Math.floor(now.getTime() / 1000) - issuedAt;
  if (age > ttlSeconds || age < -CLOCK_SKEW_SECONDS) throw expired();
  return cursor as Record<string, unknown>;
}
