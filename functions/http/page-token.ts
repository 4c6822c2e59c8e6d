/**
 * Opaque, tamper-evident page tokens. The cursor (a DynamoDB key, which holds internal attributes) is
 * encrypted with AES-256-GCM; the caller and the query are bound in as associated data, so a token
 * only works for the user and the query that received it. Anything else fails authentication and is
 * answered with a 400, never a 500.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { invalidPageToken } from '../tasks/errors.ts';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface TokenBinding {
  /** The operation and its filters, e.g. `listTasks` and the status. */
  query: string;
  userId: string;
}

function encryptionKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'page-token-encryption', 32));
}

function associatedData(binding: TokenBinding): Buffer {
  return Buffer.from(JSON.stringify([FORMAT_VERSION, binding.query, binding.userId]));
}

export function encodePageToken(cursor: Record<string, unknown>, binding: TokenBinding, secret: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(secret), iv);
  cipher.setAAD(associatedData(binding));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(cursor), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

export function decodePageToken(token: string, binding: TokenBinding, secret: Buffer): Record<string, unknown> {
  const raw = Buffer.from(token, 'base64url');
  const invalid = invalidPageToken;
  if (raw.byteLength < 1 + IV_BYTES + TAG_BYTES + 2 || raw[0] !== FORMAT_VERSION || raw.toString('base64url') !== token) throw invalid();
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey(secret), raw.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(raw.subarray(raw.byteLength - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES, raw.byteLength - TAG_BYTES)), decipher.final()]);
    const cursor: unknown = JSON.parse(plain.toString('utf8'));
    if (typeof cursor !== 'object' || cursor === null || Array.isArray(cursor)) throw invalid();
    return cursor as Record<string, unknown>;
  } catch {
    throw invalid();
  }
}
