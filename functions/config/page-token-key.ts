/**
 * The secrets behind page tokens, one per key version. Each is an HMAC-SHA256 of a fixed label that
 * names the version, `task-api/page-token/v<N>`, under a root key: in AWS a KMS HMAC key
 * (GenerateMac, once per cold start and version), so no secret is ever stored in Terraform state, the
 * environment or code; locally PAGE_TOKEN_KEY (base64, at least 32 bytes), with the same derivation.
 *
 * Rotation: raise PAGE_TOKEN_KEY_VERSION. New tokens are sealed with the new version; tokens of the
 * previous one are still honoured (until they expire), any older one is a 400.
 */
import { createHmac } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import type { PageTokenKey } from '../http/page-token.ts';
import { traceAwsCalls } from '../tracing/aws-subsegments.ts';
import { config, type FunctionConfig } from './env.ts';

const MIN_KEY_BYTES = 32;

export const derivationLabel = (version: number) => `task-api/page-token/v${version}`;

const pending = new Map<number, Promise<Buffer>>();

/** The key new tokens are sealed with. */
export async function currentPageTokenKey(settings: FunctionConfig = config()): Promise<PageTokenKey> {
  const version = settings.pageTokenKeyVersion;
  return { version, secret: await secretOf(version, settings) };
}

/** The key of `version` when tokens sealed with it are still honoured (the current and the previous version). */
export async function acceptedPageTokenKey(version: number, settings: FunctionConfig = config()): Promise<PageTokenKey | undefined> {
  const current = settings.pageTokenKeyVersion;
  if (version !== current && version !== current - 1) return undefined;
  if (version < 1) return undefined;
  return { version, secret: await secretOf(version, settings) };
}

function secretOf(version: number, settings: FunctionConfig): Promise<Buffer> {
  let secret = pending.get(version);
  if (!secret) {
    secret = loadSecret(version, settings).catch((error: unknown) => {
      pending.delete(version); // a throttled or failed KMS call is retried by the next request
      throw error;
    });
    pending.set(version, secret);
  }
  return secret;
}

async function loadSecret(version: number, settings: FunctionConfig): Promise<Buffer> {
  const label = derivationLabel(version);
  if (settings.pageTokenKey) {
    const key = Buffer.from(settings.pageTokenKey, 'base64');
    if (key.byteLength < MIN_KEY_BYTES) throw new Error(`Configuration error: PAGE_TOKEN_KEY must be at least ${MIN_KEY_BYTES} bytes`);
    return createHmac('sha256', key).update(label).digest();
  }
  if (settings.pageTokenKmsKeyId) {
    const { Mac } = await traceAwsCalls(new KMSClient({})).send(
      new GenerateMacCommand({ KeyId: settings.pageTokenKmsKeyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(label) }),
    );
    if (!Mac) throw new Error('KMS GenerateMac returned no MAC');
    return Buffer.from(Mac);
  }
  throw new Error('Configuration error: neither PAGE_TOKEN_KEY nor PAGE_TOKEN_KMS_KEY_ID is set');
}

/** For tests that change the configuration between cases. */
export function forgetPageTokenSecret(): void {
  pending.clear();
}
