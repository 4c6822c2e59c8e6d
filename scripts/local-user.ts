/**
 * A user of a running local stack and their ID token, made the way the CLI makes one (sign up, confirm as
 * an administrator would, optionally join the admin group, log in): for the tools that drive local mode
 * as a client does (`make api-fuzz`, `npm run bench`).
 */
import { addToAdminGroup, confirm, logIn, signUp } from '../local/cli/cognito.ts';
import type { Target } from '../local/cli/target.ts';

/** What a client needs of a local stack: where its API and user pool answer. */
export interface LocalStackAddresses {
  url: string;
  cognitoEndpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
}

export async function localUserToken(
  stack: LocalStackAddresses,
  email: string,
  password: string,
  options: { admin?: boolean } = {},
): Promise<string> {
  const target: Target = {
    kind: 'local',
    name: 'local',
    apiUrl: stack.url,
    cognitoEndpoint: stack.cognitoEndpoint,
    region: stack.region,
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
    // Never written: these calls return the login, the CLI's session file is not involved.
    sessionFile: '/dev/null',
  };
  await signUp(target, email, password);
  await confirm(target, email);
  if (options.admin) await addToAdminGroup(target, email);
  return (await logIn(target, email, password)).idToken;
}
