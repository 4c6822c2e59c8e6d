/**
 * The local user pool, its app client and its groups (the route table's admin group): created on first
 * start, found again by name on every later one.
 */
import type { CognitoServer } from './cognito.ts';

export const POOL_NAME = 'task-api-local';
export const CLIENT_NAME = 'task-api-local-client';

export interface UserPoolIds {
  userPoolId: string;
  clientId: string;
  created: boolean;
}

interface PoolList {
  UserPools?: { Id?: string; Name?: string }[];
}
interface ClientList {
  UserPoolClients?: { ClientId?: string; ClientName?: string }[];
}

export async function ensureUserPool(cognito: CognitoServer, groups: readonly string[]): Promise<UserPoolIds> {
  let created = false;
  const pools = await cognito.call<PoolList>('ListUserPools', { MaxResults: 60 });
  let userPoolId = pools.UserPools?.find((pool) => pool.Name === POOL_NAME)?.Id;
  if (!userPoolId) {
    const made = await cognito.call<{ UserPool: { Id: string } }>('CreateUserPool', {
      PoolName: POOL_NAME,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: false },
      },
    });
    userPoolId = made.UserPool.Id;
    created = true;
  }

  const clients = await cognito.call<ClientList>('ListUserPoolClients', { UserPoolId: userPoolId, MaxResults: 60 });
  let clientId = clients.UserPoolClients?.find((client) => client.ClientName === CLIENT_NAME)?.ClientId;
  if (!clientId) {
    const made = await cognito.call<{ UserPoolClient: { ClientId: string } }>('CreateUserPoolClient', {
      UserPoolId: userPoolId,
      ClientName: CLIENT_NAME,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
    });
    clientId = made.UserPoolClient.ClientId;
    created = true;
  }

  for (const group of groups) {
    try {
      await cognito.call('GetGroup', { UserPoolId: userPoolId, GroupName: group });
    } catch {
      await cognito.call('CreateGroup', { UserPoolId: userPoolId, GroupName: group });
      created = true;
    }
  }
  return { userPoolId, clientId, created };
}
