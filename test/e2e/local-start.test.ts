/**
 * Local mode end to end: `startLocal` on random ports with a temporary data folder, a user signed up and
 * signed in through the Cognito SDK, and the API called over HTTP with real, verified ID tokens.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { STAGE_DEFAULTS } from '../../infra/config.ts';
import { type LocalStack, localStatusShards, secretsDir, signingKeyFile, startLocal } from '../../local/server.ts';

interface Context {
  dataDir: string;
  stack: LocalStack;
  idToken: string;
  accessToken: string;
}

const PASSWORD = 'Passw0rd!local';
const test = suite<Context>('local mode (npm start)');

function cognito(stack: LocalStack) {
  return new CognitoIdentityProviderClient({
    endpoint: stack.cognitoEndpoint,
    region: stack.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function signUp(stack: LocalStack, email: string): Promise<void> {
  const client = cognito(stack);
  await client.send(
    new SignUpCommand({ ClientId: stack.clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await client.send(new AdminConfirmSignUpCommand({ UserPoolId: stack.userPoolId, Username: email }));
}

async function signIn(stack: LocalStack, email: string) {
  const { AuthenticationResult } = await cognito(stack).send(
    new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: stack.clientId, AuthParameters: { USERNAME: email, PASSWORD } }),
  );
  assert.ok(AuthenticationResult?.IdToken && AuthenticationResult.AccessToken, 'InitiateAuth returns tokens');
  return { idToken: AuthenticationResult.IdToken, accessToken: AuthenticationResult.AccessToken };
}

function call(
  stack: LocalStack,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return fetch(`${stack.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { Authorization: init.token } : {}),
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

/** A token with the local pool's claims, signed by the local pool's own key (read from the data folder). */
async function tokenSignedByThePool(context: Context, claims: Record<string, unknown>, expiresAt?: number): Promise<string> {
  const { privateJwk } = JSON.parse(await readFile(signingKeyFile(context.dataDir), 'utf8')) as { privateJwk: JWK };
  const valid = decodeJwt(context.idToken);
  const header = JSON.parse(Buffer.from(context.idToken.split('.')[0] as string, 'base64url').toString()) as { kid: string };
  const key = await importJWK({ ...privateJwk, alg: 'RS256' }, 'RS256');
  return new SignJWT({ ...valid, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: header.kid })
    .setExpirationTime(expiresAt ?? (valid.exp as number))
    .sign(key);
}

test.before(async (context) => {
  context.dataDir = await mkdtemp(join(tmpdir(), 'local-start-'));
  // A secrets folder left readable by others (e.g. made by hand): start-up must tighten it.
  await mkdir(secretsDir(context.dataDir), { mode: 0o755 });
  context.stack = await startLocal({ port: 0, dataDir: context.dataDir, quiet: true });
  await signUp(context.stack, 'ada@example.com');
  Object.assign(context, await signIn(context.stack, 'ada@example.com'));
});

test.after(async (context) => {
  await context.stack?.stop();
  await rm(context.dataDir, { recursive: true, force: true });
});

test('writes the ids the CLI reads to local-env.json', async ({ stack, dataDir }) => {
  const env = JSON.parse(await readFile(join(dataDir, 'local-env.json'), 'utf8'));
  assert.is(env.apiUrl, stack.url);
  assert.is(env.cognitoEndpoint, stack.cognitoEndpoint);
  assert.is(env.userPoolId, stack.userPoolId);
  assert.is(env.clientId, stack.clientId);
  assert.is(env.region, stack.region);
  assert.is(env.tableName, stack.tableName);
});

test('the functions get prod’s status-index shard count unless STATUS_SHARDS says otherwise', () => {
  assert.is(localStatusShards({}), STAGE_DEFAULTS.prod.statusShards);
  assert.is(localStatusShards({ STATUS_SHARDS: '' }), STAGE_DEFAULTS.prod.statusShards);
  assert.is(localStatusShards({ STATUS_SHARDS: '1' }), 1);
  assert.throws(() => localStatusShards({ STATUS_SHARDS: '0' }), /STATUS_SHARDS must be from 1 to 64/);
});

test('the secrets folder is private to the user (0700, files 0600) even when it existed with 0755', async ({ dataDir }) => {
  const mode = async (path: string) => (await stat(path)).mode & 0o777;
  assert.is(await mode(secretsDir(dataDir)), 0o700);
  assert.is(await mode(signingKeyFile(dataDir)), 0o600);
  assert.is(await mode(join(secretsDir(dataDir), 'page-token-key')), 0o600);
});

test('tokens come from the pool’s own key, published at its JWKS URL instead of cognito-local’s bundled key', async ({
  stack,
  idToken,
}) => {
  const jwks = (await (await fetch(`${stack.cognitoEndpoint}/${stack.userPoolId}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
  const bundled = JSON.parse(
    await readFile(createRequire(import.meta.url).resolve('cognito-local/lib/keys/cognitoLocal.public.json'), 'utf8'),
  );
  const header = JSON.parse(Buffer.from(idToken.split('.')[0] as string, 'base64url').toString()) as { kid: string; alg: string };
  assert.is(jwks.keys.length, 1);
  assert.is(jwks.keys[0]?.kid, header.kid);
  assert.is.not(jwks.keys[0]?.n, bundled.jwk.n);
  const claims = decodeJwt(idToken);
  assert.is(claims.iss, `${stack.cognitoEndpoint}/${stack.userPoolId}`);
  assert.is(claims.aud, stack.clientId);
  assert.is(claims.token_use, 'id');
  assert.is((claims.exp as number) - (claims.iat as number), 15 * 60, 'ID tokens live 15 minutes, as deployed');
});

test('a token signed with the key cognito-local ships in its package is refused', async ({ stack, idToken }) => {
  const { pem } = JSON.parse(
    await readFile(createRequire(import.meta.url).resolve('cognito-local/lib/keys/cognitoLocal.private.json'), 'utf8'),
  );
  const forged = await new SignJWT(decodeJwt(idToken))
    .setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' })
    .sign(createPrivateKey(pem));
  assert.is((await call(stack, '/tasks', { token: forged })).status, 401);
});

test('a signed-up user creates a task and lists it with their ID token', async ({ stack, idToken }) => {
  const created = await call(stack, '/tasks', { method: 'POST', token: idToken, body: { title: 'Try local mode' } });
  assert.is(created.status, 201);
  const { task } = (await created.json()) as { task: { id: string; title: string } };
  assert.is(task.title, 'Try local mode');

  const listed = await call(stack, '/tasks', { token: `Bearer ${idToken}` });
  assert.is(listed.status, 200);
  const page = (await listed.json()) as { tasks: { id: string }[] };
  assert.ok(
    page.tasks.some((item) => item.id === task.id),
    'the new task is listed',
  );
});

test('without an Authorization header the gateway answers 401 Unauthorized', async ({ stack }) => {
  const response = await call(stack, '/tasks');
  assert.is(response.status, 401);
  assert.equal(await response.json(), { message: 'Unauthorized' });
});

test('an access token is refused: the authorizer takes ID tokens only', async ({ stack, accessToken }) => {
  assert.is((await call(stack, '/tasks', { token: accessToken })).status, 401);
});

test('a tampered token (claims changed, signature kept) is refused', async ({ stack, idToken }) => {
  const [header, payload, signature] = idToken.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
  assert.is((await call(stack, '/tasks', { token: `${header}.${forged}.${signature}` })).status, 401);
});

test('a token with the right claims signed by another key is refused', async ({ stack, idToken }) => {
  const { privateKey } = await generateKeyPair('RS256');
  const claims = decodeJwt(idToken);
  const header = JSON.parse(Buffer.from(idToken.split('.')[0] as string, 'base64url').toString()) as { kid: string };
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid }).sign(privateKey);
  assert.is((await call(stack, '/tasks', { token: forged })).status, 401);
});

test('a token for another app client (audience) is refused', async (context) => {
  const token = await tokenSignedByThePool(context, { aud: 'another-client' });
  assert.is((await call(context.stack, '/tasks', { token })).status, 401);
});

test('a token from another issuer is refused', async (context) => {
  const token = await tokenSignedByThePool(context, { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other' });
  assert.is((await call(context.stack, '/tasks', { token })).status, 401);
});

test('an expired token is refused as API Gateway refuses it', async (context) => {
  const token = await tokenSignedByThePool(context, {}, Math.floor(Date.now() / 1000) - 60);
  const response = await call(context.stack, '/tasks', { token });
  assert.is(response.status, 401);
  assert.equal(await response.json(), { message: 'The incoming token has expired' });
});

test('a control: the same helper with a valid expiry is accepted', async (context) => {
  const token = await tokenSignedByThePool(context, {});
  assert.is((await call(context.stack, '/tasks', { token })).status, 200);
});

test('cognito:groups reaches the handler as API Gateway passes it: admins list every task, others get 403', async ({ stack, idToken }) => {
  assert.is((await call(stack, '/admin/tasks', { token: idToken })).status, 403);
  const client = cognito(stack);
  await signUp(stack, 'grace@example.com');
  await client.send(new CreateGroupCommand({ UserPoolId: stack.userPoolId, GroupName: 'editors' }));
  for (const group of ['editors', 'admin']) {
    await client.send(new AdminAddUserToGroupCommand({ UserPoolId: stack.userPoolId, Username: 'grace@example.com', GroupName: group }));
  }
  const admin = await signIn(stack, 'grace@example.com');
  const response = await call(stack, '/admin/tasks', { token: admin.idToken });
  assert.is(response.status, 200);
  const page = (await response.json()) as { tasks: { title: string }[] };
  assert.ok(
    page.tasks.some((item) => item.title === 'Try local mode'),
    'another user’s pending task is listed',
  );
});

test('a preflight from an allowed origin is answered from the CORS config', async ({ stack }) => {
  const response = await call(stack, '/tasks/123', {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'PATCH' },
  });
  assert.is(response.status, 200);
  assert.is(response.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.match(response.headers.get('access-control-allow-methods') ?? '', /PATCH/);
  assert.match(response.headers.get('access-control-allow-headers') ?? '', /If-Match/);
});

test('a path with no resource answers 403 Missing Authentication Token', async ({ stack, idToken }) => {
  const response = await call(stack, '/nothing-here', { token: idToken });
  assert.is(response.status, 403);
  assert.equal(await response.json(), { message: 'Missing Authentication Token' });
});

test('a second stack in the same process is independent and refuses the first one’s tokens', async ({ stack, idToken }) => {
  const other = await startLocal({ port: 0, memory: true, quiet: true, dataDir: await mkdtemp(join(tmpdir(), 'local-other-')) });
  try {
    assert.is.not(other.url, stack.url);
    assert.is.not(other.userPoolId, stack.userPoolId);
    assert.is((await call(other, '/tasks', { token: idToken })).status, 401);
    await signUp(other, 'ada@example.com');
    const { idToken: otherToken } = await signIn(other, 'ada@example.com');
    const listed = (await (await call(other, '/tasks', { token: otherToken })).json()) as { tasks: unknown[] };
    assert.is(listed.tasks.length, 0, 'the second stack has its own table');
  } finally {
    await other.stop();
    await rm(other.dataDir, { recursive: true, force: true });
  }
});

test('a second stack on a data folder in use is refused', async ({ dataDir }) => {
  try {
    const second = await startLocal({ port: 0, dataDir, quiet: true });
    await second.stop();
    assert.unreachable('two stacks must not share a data folder');
  } catch (error) {
    assert.match((error as Error).message, /in use by another local stack/);
  }
});

test('stopping and starting again on the same data folder keeps the pool, the users and the tasks', async (context) => {
  const before = context.stack;
  await before.stop();
  context.stack = await startLocal({ port: 0, dataDir: context.dataDir, quiet: true });
  assert.is(context.stack.userPoolId, before.userPoolId);
  assert.is(context.stack.clientId, before.clientId);
  const { idToken } = await signIn(context.stack, 'ada@example.com');
  const page = (await (await call(context.stack, '/tasks', { token: idToken })).json()) as { tasks: { title: string }[] };
  assert.ok(
    page.tasks.some((item) => item.title === 'Try local mode'),
    'the task survived the restart',
  );
});

test.run();
