/**
 * Auth: the Cognito user pool (email is the username), the `admin` group the admin routes check, one
 * public app client (SPA / CLI: no secret; SRP and refresh flows, the OAuth code flow for the hosted UI;
 * the password flow only where explicitly enabled) and the hosted-UI domain.
 */
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group/index.js';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool/index.js';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client/index.js';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain/index.js';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { ADMIN_GROUP } from '../../functions/routes.ts';
import { type AuthConfig, DOMAIN_SUFFIX_LENGTH, REFRESH_TOKEN_DAYS } from '../config.ts';
import { PASSWORD_POLICY } from '../password-policy.ts';

export const OAUTH_SCOPES = ['openid', 'email', 'profile'];
/** The design's sign-in flows: SRP (the password never leaves the client) and refresh. */
export const EXPLICIT_AUTH_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
/** USER_PASSWORD_AUTH sends the password itself to Cognito: only with AUTH_ALLOW_PASSWORD_FLOW=true. */
export const PASSWORD_AUTH_FLOW = 'ALLOW_USER_PASSWORD_AUTH';

export interface AuthOptions extends AuthConfig {
  prefix: string;
  deletionProtection: boolean;
}

export class Auth extends Construct {
  readonly userPoolId: string;
  readonly userPoolArn: string;
  /** The `iss` of the pool's tokens; its JWKS is at `<issuer>/.well-known/jwks.json`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly domain: string;

  constructor(scope: Construct, id: string, options: AuthOptions) {
    super(scope, id);
    const pool = new CognitoUserPool(this, 'user-pool', {
      name: `${options.prefix}-users`,
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      passwordPolicy: { ...PASSWORD_POLICY },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      adminCreateUserConfig: { allowAdminCreateUserOnly: false },
      mfaConfiguration: 'OPTIONAL',
      softwareTokenMfaConfiguration: { enabled: true },
      deletionProtection: options.deletionProtection ? 'ACTIVE' : 'INACTIVE',
      emailConfiguration: options.email
        ? { emailSendingAccount: 'DEVELOPER', sourceArn: options.email.identityArn, fromEmailAddress: options.email.fromAddress }
        : { emailSendingAccount: 'COGNITO_DEFAULT' },
    });

    new CognitoUserGroup(this, 'admin-group', {
      name: ADMIN_GROUP,
      userPoolId: pool.id,
      description: 'May call the admin routes (all users’ tasks)',
    });

    const client = new CognitoUserPoolClient(this, 'client', {
      name: `${options.prefix}-client`,
      userPoolId: pool.id,
      generateSecret: false,
      explicitAuthFlows: options.allowPasswordAuth ? [...EXPLICIT_AUTH_FLOWS, PASSWORD_AUTH_FLOW] : EXPLICIT_AUTH_FLOWS,
      // Sign-in and recovery answer the same way whether or not the user exists.
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ['code'],
      allowedOauthScopes: OAUTH_SCOPES,
      supportedIdentityProviders: ['COGNITO'],
      callbackUrls: options.callbackUrls,
      logoutUrls: options.logoutUrls,
      accessTokenValidity: options.tokenValidityMinutes,
      idTokenValidity: options.tokenValidityMinutes,
      refreshTokenValidity: REFRESH_TOKEN_DAYS,
      tokenValidityUnits: [{ accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' }],
    });

    // Hex digits: they cannot spell the words Cognito refuses in a prefix ("aws", "amazon", "cognito").
    const uniqueSuffix = Fn.substr(Fn.sha1(pool.id), 0, DOMAIN_SUFFIX_LENGTH);
    const domain = new CognitoUserPoolDomain(this, 'domain', {
      domain: options.domainPrefix ?? `${options.prefix}-${uniqueSuffix}`,
      userPoolId: pool.id,
    });

    this.userPoolId = pool.id;
    this.userPoolArn = pool.arn;
    this.issuer = `https://${pool.endpoint}`;
    this.clientId = client.id;
    this.domain = domain.domain;
  }
}
