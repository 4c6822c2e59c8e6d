/**
 * Cognito's own JSON protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`), for the calls a
 * client makes without AWS credentials: SignUp, ConfirmSignUp, InitiateAuth. They are what the AWS SDK
 * sends for them too, minus the SDK's load time; the admin calls, which need signed requests, keep the SDK.
 * cognito-local takes every operation this way, signed or not.
 */
import { CliError } from './errors.ts';
import { send } from './http.ts';

/** The endpoint's answer, or a CliError `NotAuthorizedException: Incorrect username or password.` */
export async function callCognito<T>(endpoint: string, operation: string, input: Record<string, unknown>): Promise<T> {
  let reply: Awaited<ReturnType<typeof send>>;
  try {
    reply = await send(new URL(endpoint), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(input),
    });
  } catch (error) {
    throw new CliError(`Cannot reach Cognito at ${endpoint} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = reply.text === '' ? {} : (JSON.parse(reply.text) as Record<string, unknown>);
  } catch {
    // not JSON: the status says enough
  }
  if (reply.status >= 400) {
    // `__type` may carry a namespace (`com.amazonaws…#NotAuthorizedException`); the name is after the `#`.
    const type = String(body.__type ?? reply.headers['x-amzn-errortype'] ?? `HTTP ${reply.status}`)
      .replace(/^.*#/, '')
      .split(':')[0];
    throw new CliError(`${type}: ${String(body.message ?? body.Message ?? reply.text)}`);
  }
  return body as T;
}

/**
 * Cognito's endpoint for a stage: the regional one, unless the AWS SDK's standard endpoint variables name
 * another (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL), as in the deploy rehearsal.
 */
export function stageCognitoEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER || env.AWS_ENDPOINT_URL || undefined;
}

export function regionalCognitoEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return stageCognitoEndpoint(env) ?? `https://cognito-idp.${region}.amazonaws.com/`;
}
