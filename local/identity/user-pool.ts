/**
 * The local user pool, its app client and its groups (the route table's admin group): created on first
 * start, found again by name on every later one.
 */
import { DEFAULT_TOKEN_VALIDITY_MINUTES, REFRESH_TOKEN_DAYS } from '../../infra/config.ts';
import { PASSWORD_POLICY } from '../../infra/password-policy.ts';
import type { CognitoServer } from './cognito.ts';

export const POOL_NAME = 'task-api-local';
export const CLIENT_NAME = 'task-api-local-client';

/** The deployed pool's password policy, in the Cognito API's spelling. */
export const LOCAL_PASSWORD_POLICY = {
  MinimumLength: PASSWORD_POLICY.minimumLength,
  RequireUppercase: PASSWORD_POLICY.requireUppercase,
  RequireLowercase: PASSWORD_POLICY.requireLowercase,
  RequireNumbers: PASSWORD_POLICY.requireNumbers,
  RequireSymbols: PASSWORD_POLICY.requireSymbols,
  TemporaryPasswordValidityDays: PASSWORD_POLICY.temporaryPasswordValidityDays,
};

export interface UserPoolIds {
  userPoolId: string;
  clientId: string;
  created: boolean;
}

interface PoolList {
  UserPools?: { Id?: string; Name?: string }[];
}
interface PoolDescription {
  UserPool?: { AutoVerifiedAttributes?: string[]; Policies?: { PasswordPolicy?: Record<string, unknown> } };
}
interface ClientList {
  UserPoolClients?: { ClientId?: string; ClientName?: string }[];
}
interface ClientDescription {
  UserPoolClient?: { IdTokenValidity?: number; AccessTokenValidity?: number; TokenValidityUnits?: Record<string, string> };
}

/** The deployed app client's token lifetimes, in the Cognito API's spelling. */
export function tokenValidity(minutes: number) {
  return {
    IdTokenValidity: minutes,
    AccessTokenValidity: minutes,
    RefreshTokenValidity: REFRESH_TOKEN_DAYS,
    TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
  };
}

export async function ensureUserPool(
  cognito: CognitoServer,
  groups: readonly string[],
  tokenMinutes = DEFAULT_TOKEN_VALIDITY_MINUTES,
): Promise<UserPoolIds> {
  let created = false;
  const pools = await cognito.call<PoolList>('ListUserPools', { MaxResults: 60 });
  let userPoolId = pools.UserPools?.find((pool) => pool.Name === POOL_NAME)?.Id;
  if (!userPoolId) {
    const made = await cognito.call<{ UserPool: { Id: string } }>('CreateUserPool', {
      PoolName: POOL_NAME,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: LOCAL_PASSWORD_POLICY },
    });
    userPoolId = made.UserPool.Id;
    created = true;
  } else {
    // A pool made by an earlier version keeps its old policy unless it is brought in line.
    const { UserPool } = await cognito.call<PoolDescription>('DescribeUserPool', { UserPoolId: userPoolId });
    if (!samePolicy(UserPool?.Policies?.PasswordPolicy)) {
      // cognito-local's UpdateUserPool resets the fields it is not given: pass on those we set.
      await cognito.call('UpdateUserPool', {
        UserPoolId: userPoolId,
        AutoVerifiedAttributes: UserPool?.AutoVerifiedAttributes,
        Policies: { ...UserPool?.Policies, PasswordPolicy: LOCAL_PASSWORD_POLICY },
      });
    }
  }

  const clients = await cognito.call<ClientList>('ListUserPoolClients', { UserPoolId: userPoolId, MaxResults: 60 });
  let clientId = clients.UserPoolClients?.find((client) => client.ClientName === CLIENT_NAME)?.ClientId;
  if (!clientId) {
    const made = await cognito.call<{ UserPoolClient: { ClientId: string } }>('CreateUserPoolClient', {
      UserPoolId: userPoolId,
      ClientName: CLIENT_NAME,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      ...tokenValidity(tokenMinutes),
    });
    clientId = made.UserPoolClient.ClientId;
    created = true;
  } else {
    // A client made by an earlier version (hour-long tokens) is brought in line with the deployed one.
    const { UserPoolClient } = await cognito.call<ClientDescription>('DescribeUserPoolClient', {
      UserPoolId: userPoolId,
      ClientId: clientId,
    });
    const wanted = tokenValidity(tokenMinutes);
    if (
      UserPoolClient?.IdTokenValidity !== wanted.IdTokenValidity ||
      UserPoolClient?.AccessTokenValidity !== wanted.AccessTokenValidity ||
      UserPoolClient?.TokenValidityUnits?.IdToken !== 'minutes' ||
      UserPoolClient?.TokenValidityUnits?.AccessToken !== 'minutes'
    ) {
      await cognito.call('UpdateUserPoolClient', { UserPoolId: userPoolId, ClientId: clientId, ...wanted });
    }
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

function samePolicy(policy: Record<string, unknown> | undefined): boolean {
  return Object.entries(LOCAL_PASSWORD_POLICY).every(([name, value]) => policy?.[name] === value);
}
