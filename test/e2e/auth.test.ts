/**
 * Who may call what, through the full API: the gateway's 401 for every kind of bad token, object-level
 * authorization (another user's task is 404, untouched), and the admin route's 403/200.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTask, createUser, type Fixture, http, startStack, stopStack, type User } from './support/stack.ts';
import { poolSigningKey, resign, type SigningKey, signWithForeignKey, tamper, unsigned } from './support/tokens.ts';

const auth = suite<{ fx: Fixture; key: SigningKey; alice: User; bob: User; admin: User }>('authentication and authorization over HTTP');

auth.before(async (context) => {
  context.fx = await startStack();
  context.key = await poolSigningKey(context.fx.dataDir);
  [context.alice, context.bob, context.admin] = await Promise.all([
    createUser(context.fx.stack, 'alice'),
    createUser(context.fx.stack, 'bob'),
    createUser(context.fx.stack, 'admin', { admin: true }),
  ]);
});
auth.after(async ({ fx }) => stopStack(fx));

/** API Gateway's Cognito authorizer answers 401 with one of these two bodies, and nothing else. */
const UNAUTHORIZED = { message: 'Unauthorized' };
const EXPIRED = { message: 'The incoming token has expired' };

async function expectUnauthorized(fx: Fixture, token: string | undefined, why: string, bodies: object[] = [UNAUTHORIZED]) {
  for (const [method, path] of [
    ['GET', '/tasks'],
    ['POST', '/tasks'],
    ['GET', '/admin/tasks'],
  ] as const) {
    const result = await http(fx.stack, method, path, { token, body: method === 'POST' ? { title: 'x' } : undefined });
    assert.is(result.status, 401, `${why}: ${method} ${path} answered ${result.status} ${result.text}`);
    assert.ok(
      bodies.some((body) => JSON.stringify(body) === JSON.stringify(result.json)),
      `${why}: ${method} ${path} body ${result.text}`,
    );
  }
}

auth('a request without Authorization is 401 Unauthorized', async ({ fx }) => {
  await expectUnauthorized(fx, undefined, 'no token');
});

auth('a token that is not a JWT, or an empty Authorization header, is 401', async ({ fx }) => {
  await expectUnauthorized(fx, 'not-a-jwt', 'junk');
  await expectUnauthorized(fx, '', 'empty');
});

auth('an expired ID token is 401 ("The incoming token has expired", as API Gateway says, or Unauthorized)', async ({ fx, key, alice }) => {
  const now = Math.floor(Date.now() / 1000);
  await expectUnauthorized(fx, await resign(alice.idToken, key, { iat: now - 7200, auth_time: now - 7200, exp: now - 3600 }), 'expired', [
    EXPIRED,
    UNAUTHORIZED,
  ]);
});

auth('an ID token for another app client (wrong audience) is 401', async ({ fx, key, alice }) => {
  await expectUnauthorized(fx, await resign(alice.idToken, key, { aud: 'some-other-client-id' }), 'wrong audience');
});

auth('an ID token from another issuer is 401', async ({ fx, key, alice }) => {
  await expectUnauthorized(
    fx,
    await resign(alice.idToken, key, { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }),
    'other issuer',
  );
});

auth('an access token is 401: the API takes ID tokens', async ({ fx, alice }) => {
  await expectUnauthorized(fx, alice.accessToken, 'access token');
});

auth('a tampered ID token (sub changed, signature kept) is 401', async ({ fx, alice, bob }) => {
  await expectUnauthorized(fx, tamper(alice.idToken, { sub: bob.sub }), 'tampered sub');
  await expectUnauthorized(fx, tamper(alice.idToken, { 'cognito:groups': ['admin'] }), 'tampered groups');
});

auth('an ID token signed with a foreign key, or not signed at all, is 401', async ({ fx, alice }) => {
  await expectUnauthorized(fx, await signWithForeignKey(alice.idToken), 'foreign key');
  await expectUnauthorized(fx, unsigned(alice.idToken), 'alg none');
});

auth('the untampered token of the same user is accepted (the 401s above are about the token alone)', async ({ fx, key, alice }) => {
  assert.is((await http(fx.stack, 'GET', '/tasks', { token: alice.idToken })).status, 200);
  const resigned = await resign(alice.idToken, key, {});
  assert.is(
    (await http(fx.stack, 'GET', '/tasks', { token: resigned })).status,
    200,
    'a faithful re-signing is valid, so the tests above test the claims',
  );
});

auth('user B gets 404 on user A’s task for GET, PATCH and DELETE, and A’s task is unchanged', async ({ fx, alice, bob }) => {
  const task = await createTask(fx.stack, alice, { title: 'Alice only', description: 'private' });
  const path = `/tasks/${task.task_id}`;
  const get = await http(fx.stack, 'GET', path, { token: bob.idToken });
  const patch = await http(fx.stack, 'PATCH', path, { token: bob.idToken, body: { title: 'Bob was here' } });
  const patchIfMatch = await http(fx.stack, 'PATCH', path, {
    token: bob.idToken,
    body: { status: 'done' },
    headers: { 'If-Match': '"1"' },
  });
  const del = await http(fx.stack, 'DELETE', path, { token: bob.idToken });
  for (const result of [get, patch, patchIfMatch, del]) {
    assert.is(result.status, 404);
    assert.is(result.json.error.code, 'not_found');
  }
  const missing = await http(fx.stack, 'GET', '/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: bob.idToken });
  assert.equal(
    Object.keys(get.json.error).sort(),
    Object.keys(missing.json.error).sort(),
    'someone else’s task looks exactly like no task',
  );
  assert.is(get.json.error.message, missing.json.error.message);

  const after = await http(fx.stack, 'GET', path, { token: alice.idToken });
  assert.is(after.status, 200);
  assert.equal(after.json.task, task);
  const bobsList = await http(fx.stack, 'GET', '/tasks', { token: bob.idToken });
  assert.not.ok(bobsList.json.tasks.some((t: { task_id: string }) => t.task_id === task.task_id));
});

auth('GET /admin/tasks is 403 forbidden for a user outside the admin group', async ({ fx, alice }) => {
  const result = await http(fx.stack, 'GET', '/admin/tasks', { token: alice.idToken });
  assert.is(result.status, 403);
  assert.is(result.json.error.code, 'forbidden');
  assert.type(result.json.request_id, 'string');
});

auth('GET /admin/tasks is 200 for an admin, with each task’s owner_id', async ({ fx, alice, bob, admin }) => {
  const a = await createTask(fx.stack, alice, { title: 'A in progress', status: 'in_progress' });
  const b = await createTask(fx.stack, bob, { title: 'B in progress', status: 'in_progress' });
  const result = await http(fx.stack, 'GET', '/admin/tasks', { token: admin.idToken, query: { status: 'in_progress' } });
  assert.is(result.status, 200);
  const owners = Object.fromEntries(result.json.tasks.map((t: { task_id: string; owner_id: string }) => [t.task_id, t.owner_id]));
  assert.is(owners[a.task_id], alice.sub);
  assert.is(owners[b.task_id], bob.sub);
});

auth('an admin’s own task routes still see only the admin’s own tasks', async ({ fx, alice, admin }) => {
  const task = await createTask(fx.stack, alice, { title: 'Not the admin’s' });
  assert.is((await http(fx.stack, 'GET', `/tasks/${task.task_id}`, { token: admin.idToken })).status, 404);
});

auth.run();
