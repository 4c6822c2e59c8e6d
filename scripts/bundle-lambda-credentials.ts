/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles only (scripts/bundle.ts
 * swaps it in; local mode and the tests run the real one). The SDK's default chain also carries SSO,
 * INI profiles, `credential_process`, web identity and IMDS, with the STS/SSO/sign-in clients they need:
 * about 130 KB of minified code a function never runs, because Lambda hands the role's credentials to
 * the function in its environment. The container endpoint (AWS_CONTAINER_CREDENTIALS_*) is kept as the
 * fallback for runtimes that use it instead of environment variables.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

export interface LambdaCredentialsInit {
  logger?: Logger;
}

/** Same name and signature as the SDK's: the clients call it lazily, on their first request. */
export function defaultProvider(init: LambdaCredentialsInit = {}): AwsCredentialIdentityProvider {
  return () => (process.env.AWS_ACCESS_KEY_ID ? fromEnv(init)() : fromHttp(init)());
}

export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity): boolean => credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
