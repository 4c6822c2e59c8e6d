/**
 * The Cognito calls the CLI makes: the same ones a real client makes (SignUp, ConfirmSignUp, sign-in,
 * REFRESH_TOKEN_AUTH) plus the admin ones local mode needs (AdminConfirmSignUp, AdminAddUserToGroup),
 * which against a stage use the caller's AWS credentials.
 *
 * Sign-in to a deployed stage uses SRP (USER_SRP_AUTH: the password never leaves this machine), through
 * amazon-cognito-identity-js, AWS's maintained implementation; the stage's app client allows nothing
 * weaker. Local mode signs in with USER_PASSWORD_AUTH, the one flow cognito-local supports.
 */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoUserSession } from 'amazon-cognito-identity-js';
import { callCognito, regionalCognitoEndpoint, stageCognitoEndpoint } from './cognito-json.ts';
import { ADMIN_GROUP } from '../../functions/admin-group.ts';
import { CliError } from './errors.ts';
import { expiryOf, type Session } from './session.ts';
import type { Target } from './target.ts';

/** The AWS SDK's client, for the calls that must be signed with AWS credentials (the admin ones, on a stage). */
export async function cognitoClient(target: Target): Promise<CognitoIdentityProviderClient> {
  const { CognitoIdentityProviderClient } = await import('@aws-sdk/client-cognito-identity-provider');
  return new CognitoIdentityProviderClient({
    region: target.region,
    ...(target.cognitoEndpoint
      ? // cognito-local accepts any credentials; these only let the SDK sign the admin calls.
        { endpoint: target.cognitoEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

/** Where the unsigned calls go: cognito-local, or the stage's regional Cognito. */
const endpointOf = (target: Target) => target.cognitoEndpoint ?? regionalCognitoEndpoint(target.region);

/** An admin call: unsigned to cognito-local (it checks no signature), signed by the SDK against a stage. */
async function adminCall(target: Target, operation: 'AdminConfirmSignUp' | 'AdminAddUserToGroup', input: Record<string, string>) {
  if (target.cognitoEndpoint) return callCognito(target.cognitoEndpoint, operation, input);
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  const command =
    operation === 'AdminConfirmSignUp'
      ? new sdk.AdminConfirmSignUpCommand(input as { UserPoolId: string; Username: string })
      : new sdk.AdminAddUserToGroupCommand(input as { UserPoolId: string; Username: string; GroupName: string });
  const client = await cognitoClient(target);
  return call(() => client.send(command as Parameters<typeof client.send>[0]));
}

export async function signUp(target: Target, email: string, password: string) {
  const result = await callCognito<{ UserSub?: string; UserConfirmed?: boolean }>(endpointOf(target), 'SignUp', {
    ClientId: target.clientId,
    Username: email,
    Password: password,
    UserAttributes: [{ Name: 'email', Value: email }],
  });
  return { email, user_sub: result.UserSub, confirmed: result.UserConfirmed ?? false };
}

/** With a code: ConfirmSignUp, as a user would. Without: AdminConfirmSignUp (local mode, or an operator). */
export async function confirm(target: Target, email: string, code?: string) {
  if (code) {
    await callCognito(endpointOf(target), 'ConfirmSignUp', { ClientId: target.clientId, Username: email, ConfirmationCode: code });
  } else {
    await adminCall(target, 'AdminConfirmSignUp', { UserPoolId: target.userPoolId, Username: email });
  }
  return { email, confirmed: true };
}

export async function addToAdminGroup(target: Target, email: string) {
  await adminCall(target, 'AdminAddUserToGroup', { UserPoolId: target.userPoolId, Username: email, GroupName: ADMIN_GROUP });
  return { email, group: ADMIN_GROUP, note: 'log in again to get a token with the group' };
}

export async function logIn(target: Target, email: string, password: string): Promise<Session> {
  return target.kind === 'local' ? passwordLogIn(target, email, password) : srpLogIn(target, email, password);
}

function furtherStep(challenge: string): CliError {
  return new CliError(`Login needs a further step (${challenge}), which this CLI does not handle`);
}

/** In-memory storage: the library must not persist tokens anywhere; the CLI's session file does. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    setItem: (key: string, value: string) => void items.set(key, value),
    getItem: (key: string) => items.get(key) ?? null,
    removeItem: (key: string) => void items.delete(key),
    clear: () => items.clear(),
  };
}

async function srpLogIn(target: Target, email: string, password: string): Promise<Session> {
  const { AuthenticationDetails, CognitoUser, CognitoUserPool } = await import('amazon-cognito-identity-js');
  const Storage = memoryStorage();
  const pool = new CognitoUserPool({
    UserPoolId: target.userPoolId,
    ClientId: target.clientId,
    Storage,
    ...(stageCognitoEndpoint() ? { endpoint: stageCognitoEndpoint() } : {}),
  });
  const user = new CognitoUser({ Username: email, Pool: pool, Storage });
  user.setAuthenticationFlowType('USER_SRP_AUTH');
  const session = await new Promise<CognitoUserSession>((resolve, reject) => {
    const unsupported = (challenge: string) => () => reject(furtherStep(challenge));
    user.authenticateUser(new AuthenticationDetails({ Username: email, Password: password }), {
      onSuccess: resolve,
      onFailure: (error: Error & { code?: string }) => reject(new CliError(`${error.code ?? error.name}: ${error.message}`)),
      newPasswordRequired: unsupported('NEW_PASSWORD_REQUIRED'),
      mfaRequired: unsupported('SMS_MFA'),
      totpRequired: unsupported('SOFTWARE_TOKEN_MFA'),
      customChallenge: unsupported('CUSTOM_CHALLENGE'),
      mfaSetup: unsupported('MFA_SETUP'),
      selectMFAType: unsupported('SELECT_MFA_TYPE'),
    });
  });
  const idToken = session.getIdToken().getJwtToken();
  return {
    email,
    idToken,
    accessToken: session.getAccessToken().getJwtToken(),
    refreshToken: session.getRefreshToken().getToken(),
    expiresAt: expiryOf(idToken),
    userPoolId: target.userPoolId,
    clientId: target.clientId,
  };
}

interface InitiateAuthResult {
  AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string };
  ChallengeName?: string;
}

async function passwordLogIn(target: Target, email: string, password: string): Promise<Session> {
  const result = await callCognito<InitiateAuthResult>(endpointOf(target), 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: target.clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const tokens = result.AuthenticationResult;
  if (!tokens?.IdToken) throw furtherStep(result.ChallengeName ?? 'unknown challenge');
  return {
    email,
    idToken: tokens.IdToken,
    accessToken: tokens.AccessToken,
    refreshToken: tokens.RefreshToken,
    expiresAt: expiryOf(tokens.IdToken),
    userPoolId: target.userPoolId,
    clientId: target.clientId,
  };
}

/** New ID and access tokens for a session whose ID token has (nearly) expired. */
export async function refresh(target: Target, session: Session): Promise<Session> {
  if (!session.refreshToken) throw new CliError('The login has expired: run `login` again');
  const result = await callCognito<InitiateAuthResult>(endpointOf(target), 'InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: target.clientId,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  });
  const idToken = result.AuthenticationResult?.IdToken;
  if (!idToken) throw new CliError('The login has expired: run `login` again');
  return { ...session, idToken, accessToken: result.AuthenticationResult?.AccessToken, expiresAt: expiryOf(idToken) };
}

/** Cognito's errors, as one line: `NotAuthorizedException: Incorrect username or password.` */
async function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const { name, message } = error as Error;
    throw new CliError(`${name}: ${message}`);
  }
}
