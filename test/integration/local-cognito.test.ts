/**
 * Local mode's Cognito endpoint over HTTP on 127.0.0.1: browsers are held to the stack's allowed
 * origins, so a web page the developer happens to visit cannot drive the local user pool.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type CognitoServer, startCognito } from '../../local/identity/cognito.ts';
import { PASSWORD_POLICY } from '../../infra/password-policy.ts';
import { loadOrCreateSigningKey } from '../../local/identity/signing-key.ts';
import { ensureUserPool, POOL_NAME } from '../../local/identity/user-pool.ts';

interface Context {
  stateDir: string;
  cognito: CognitoServer;
}

const test = suite<Context>('local Cognito endpoint and browsers');
const ALLOWED = 'http://localhost:5173';
const EVIL = 'https://evil.example';

test.before(async (context) => {
  context.stateDir = await mkdtemp(join(tmpdir(), 'local-cognito-'));
  context.cognito = await startCognito({
    stateDir: context.stateDir,
    host: '127.0.0.1',
    port: 0,
    key: await loadOrCreateSigningKey(undefined),
    allowedOrigins: [ALLOWED, 'http://localhost:3000'],
    quiet: true,
  });
});

test.after(async ({ cognito, stateDir }) => {
  await cognito?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** One Cognito API call as the SDK (or a page's fetch) sends it. */
function call(cognito: CognitoServer, operation: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${cognito.endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

function preflight(cognito: CognitoServer, origin: string) {
  return fetch(`${cognito.endpoint}/`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-amz-target' },
  });
}

test('a request without an Origin (SDK, CLI, curl) is served', async ({ cognito }) => {
  const response = await call(cognito, 'ListUserPools', { MaxResults: 10 });
  assert.is(response.status, 200);
  assert.ok(Array.isArray(((await response.json()) as { UserPools?: unknown }).UserPools));
});

test('a call from a web page on an origin the stack does not allow is refused with no CORS headers', async ({ cognito }) => {
  for (const [operation, body] of [
    ['ListUserPools', { MaxResults: 10 }],
    ['CreateUserPool', { PoolName: 'from-a-web-page' }],
  ] as const) {
    const response = await call(cognito, operation, body, { Origin: EVIL });
    assert.is(response.status, 403, operation);
    assert.is(response.headers.get('access-control-allow-origin'), null, operation);
    assert.equal(await response.json(), { __type: 'AccessDeniedException', message: 'Origin not allowed' });
  }
  const pools = (await (await call(cognito, 'ListUserPools', { MaxResults: 60 })).json()) as { UserPools: { Name: string }[] };
  assert.not.ok(
    pools.UserPools.some((pool) => pool.Name === 'from-a-web-page'),
    'the refused call changed nothing',
  );
});

test('a preflight from an origin the stack does not allow gets no allow headers', async ({ cognito }) => {
  for (const origin of [EVIL, 'null']) {
    const response = await preflight(cognito, origin);
    assert.is(response.headers.get('access-control-allow-origin'), null, origin);
    assert.is(response.headers.get('access-control-allow-methods'), null, origin);
    assert.is(response.headers.get('access-control-allow-headers'), null, origin);
  }
});

test('a page on an allowed origin may call the endpoint, and is answered with its own origin', async ({ cognito }) => {
  const allowedPreflight = await preflight(cognito, ALLOWED);
  assert.ok(allowedPreflight.status < 300);
  assert.is(allowedPreflight.headers.get('access-control-allow-origin'), ALLOWED);
  assert.match(allowedPreflight.headers.get('access-control-allow-headers') ?? '', /x-amz-target/i);

  const response = await call(cognito, 'ListUserPools', { MaxResults: 10 }, { Origin: ALLOWED });
  assert.is(response.status, 200);
  assert.is(response.headers.get('access-control-allow-origin'), ALLOWED);
  assert.match(response.headers.get('vary') ?? '', /Origin/);
});

test('the JWKS is held to the same rule', async ({ cognito }) => {
  const path = `${cognito.endpoint}/local_pool/.well-known/jwks.json`;
  assert.is((await fetch(path)).status, 200);
  assert.is((await fetch(path, { headers: { Origin: EVIL } })).status, 403);
  const allowed = await fetch(path, { headers: { Origin: ALLOWED } });
  assert.is(allowed.status, 200);
});

interface Described {
  UserPool: { AutoVerifiedAttributes?: string[]; Policies?: { PasswordPolicy?: Record<string, unknown> } };
}

test('the local pool declares the deployed pool’s password policy', async ({ cognito }) => {
  const { userPoolId } = await ensureUserPool(cognito, []);
  const { UserPool } = await cognito.call<Described>('DescribeUserPool', { UserPoolId: userPoolId });
  assert.equal(UserPool.Policies?.PasswordPolicy, {
    MinimumLength: PASSWORD_POLICY.minimumLength,
    RequireUppercase: PASSWORD_POLICY.requireUppercase,
    RequireLowercase: PASSWORD_POLICY.requireLowercase,
    RequireNumbers: PASSWORD_POLICY.requireNumbers,
    RequireSymbols: PASSWORD_POLICY.requireSymbols,
    TemporaryPasswordValidityDays: PASSWORD_POLICY.temporaryPasswordValidityDays,
  });
});

test('a pool kept from an older version with a weaker policy is brought in line on start', async ({ stateDir }) => {
  // A separate Cognito on its own folder, so the pool found by name is the old one made here.
  const cognito = await startCognito({
    stateDir: join(stateDir, 'older'),
    host: '127.0.0.1',
    port: 0,
    key: await loadOrCreateSigningKey(undefined),
    allowedOrigins: [],
    quiet: true,
  });
  try {
    const old = await cognito.call<{ UserPool: { Id: string } }>('CreateUserPool', {
      PoolName: POOL_NAME,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true } },
    });
    const { userPoolId } = await ensureUserPool(cognito, []);
    assert.is(userPoolId, old.UserPool.Id);
    const { UserPool } = await cognito.call<Described>('DescribeUserPool', { UserPoolId: userPoolId });
    assert.is(UserPool.Policies?.PasswordPolicy?.MinimumLength, PASSWORD_POLICY.minimumLength);
    assert.equal(UserPool.AutoVerifiedAttributes, ['email'], 'the update keeps what the pool had');
  } finally {
    await cognito.stop();
  }
});

test('the app client issues 15-minute ID and access tokens, as deployed; an older hour-long client is brought in line', async ({
  cognito,
}) => {
  const { userPoolId, clientId } = await ensureUserPool(cognito, []);
  await cognito.call('UpdateUserPoolClient', { UserPoolId: userPoolId, ClientId: clientId, IdTokenValidity: 60, AccessTokenValidity: 60 });
  await ensureUserPool(cognito, []);
  const { UserPoolClient } = await cognito.call<{ UserPoolClient: Record<string, unknown> }>('DescribeUserPoolClient', {
    UserPoolId: userPoolId,
    ClientId: clientId,
  });
  assert.equal([UserPoolClient.IdTokenValidity, UserPoolClient.AccessTokenValidity, UserPoolClient.RefreshTokenValidity], [15, 15, 30]);
  assert.equal(UserPoolClient.TokenValidityUnits, { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' });
});

test('a pool that already holds two users with one sub (an older data folder) issues tokens to neither', async ({ stateDir }) => {
  const folder = join(stateDir, 'twins');
  const start = async () =>
    startCognito({
      stateDir: folder,
      host: '127.0.0.1',
      port: 0,
      key: await loadOrCreateSigningKey(undefined),
      allowedOrigins: [],
      quiet: true,
    });
  const password = 'Correct-Horse-9-battery';
  const signIn = (server: CognitoServer, clientId: string, email: string) =>
    server.call('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
  let cognito = await start();
  const { userPoolId, clientId } = await ensureUserPool(cognito, []);
  for (const email of ['alice@example.com', 'mallory@example.com']) {
    await cognito.call('SignUp', {
      ClientId: clientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    });
    await cognito.call('AdminConfirmSignUp', { UserPoolId: userPoolId, Username: email });
  }
  await signIn(cognito, clientId, 'mallory@example.com');
  await cognito.stop();

  // What the pre-fix SignUp let Mallory do: hold Alice's sub.
  const file = join(folder, `${userPoolId}.json`);
  const state = JSON.parse(await readFile(file, 'utf8')) as { Users: Record<string, { Attributes: { Name: string; Value: string }[] }> };
  const users = Object.values(state.Users);
  const subOf = (user: (typeof users)[number]) => user.Attributes.find((attribute) => attribute.Name === 'sub')?.Value;
  const alice = users.find((user) => user.Attributes.some((a) => a.Value === 'alice@example.com'));
  const mallory = users.find((user) => user.Attributes.some((a) => a.Value === 'mallory@example.com'));
  assert.ok(alice && mallory);
  mallory.Attributes = mallory.Attributes.map((attribute) =>
    attribute.Name === 'sub' ? { ...attribute, Value: subOf(alice) as string } : attribute,
  );
  await writeFile(file, JSON.stringify(state));

  cognito = await start();
  try {
    for (const email of ['mallory@example.com', 'alice@example.com']) {
      try {
        await signIn(cognito, clientId, email);
        assert.unreachable(`${email} got tokens for a shared sub`);
      } catch (error) {
        assert.is((error as { code?: string }).code, 'NotAuthorizedException', email);
      }
    }
  } finally {
    await cognito.stop();
  }
});

test('a wrong password and an unknown user get the same answer, as from Cognito', async ({ cognito }) => {
  const { clientId, userPoolId } = await ensureUserPool(cognito, []);
  const password = 'Correct-Horse-9-battery';
  await cognito.call('SignUp', { ClientId: clientId, Username: 'known@example.com', Password: password, UserAttributes: [] });
  await cognito.call('AdminConfirmSignUp', { UserPoolId: userPoolId, Username: 'known@example.com' });
  const signIn = async (username: string, attempt: string) => {
    const response = await call(cognito, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: attempt },
    });
    return { status: response.status, body: await response.json() };
  };
  const expected = { status: 400, body: { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' } };
  assert.equal(await signIn('known@example.com', 'Wrong-Horse-9-battery'), expected, 'wrong password');
  assert.equal(await signIn('nobody@example.com', password), expected, 'unknown user');
  assert.is((await signIn('known@example.com', password)).status, 200, 'the right password still signs in');
});

test.run();
