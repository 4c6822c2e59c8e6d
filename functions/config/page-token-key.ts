/**
 * The secret behind page tokens. Locally it is PAGE_TOKEN_KEY (base64, at least 32 bytes). In AWS it
 * is derived once per cold start by a KMS HMAC key (GenerateMac over a fixed label): every function
 * derives the same secret, and no secret is ever stored in Terraform state, the environment or code.
 */
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { traceAwsCalls } from '../tracing/aws-subsegments.ts';
import { config, type FunctionConfig } from './env.ts';

const DERIVATION_LABEL = 'task-api/page-token/v1';
const MIN_KEY_BYTES = 32;

let pending: Promise<Buffer> | undefined;

export function pageTokenSecret(settings: FunctionConfig = config()): Promise<Buffer> {
  pending ??= loadSecret(settings).catch((error: unknown) => {
    pending = undefined; // a throttled or failed KMS call is retried by the next request
    throw error;
  });
  return pending;
}

async function loadSecret(settings: FunctionConfig): Promise<Buffer> {
  if (settings.pageTokenKey) {
    const key = Buffer.from(settings.pageTokenKey, 'base64');
    if (key.byteLength < MIN_KEY_BYTES) throw new Error(`Configuration error: PAGE_TOKEN_KEY must be at least ${MIN_KEY_BYTES} bytes`);
    return key;
  }
  if (settings.pageTokenKmsKeyId) {
    const { Mac } = await traceAwsCalls(new KMSClient({})).send(
      new GenerateMacCommand({
        KeyId: settings.pageTokenKmsKeyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: Buffer.from(DERIVATION_LABEL),
      }),
    );
    if (!Mac) throw new Error('KMS GenerateMac returned no MAC');
    return Buffer.from(Mac);
  }
  throw new Error('Configuration error: neither PAGE_TOKEN_KEY nor PAGE_TOKEN_KMS_KEY_ID is set');
}

/** For tests that change the configuration between cases. */
export function forgetPageTokenSecret(): void {
  pending = undefined;
}
