/**
 * Findings of the penetration test against the functions, reproduced over HTTP against local mode: each
 * case is what the tester sent, and the answer the API must give instead.
 */
import { AdminAddUserToGroupCommand, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_USER_ID_BYTES } from '../../functions/dynamodb/keys.ts';
import { poolSigningKey, resign } from './support/tokens.ts';
import { cognito, createUser, type Fixture, http, logIn, startStack, stopStack, type User, withEnv } from './support/stack.ts';

const hardening = suite<{ fx: Fixture; alice: User }>('hardening: hostile input over HTTP');

/** A small quota, so that going past it takes a few requests (no other test here keeps that many tasks). */
const QUOTA = 5;

hardening.before(async (context) => {
  context.fx = await withEnv({ MAX_TASKS_PER_USER: String(QUOTA) }, () => startStack());
  context.alice = await createUser(context.fx.stack, 'hardened');
});
hardening.after(async ({ fx }) => stopStack(fx));

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

hardening('a query parameter named after an Object.prototype member is an unknown parameter (400), never a 500', async ({ fx, alice }) => {
  for (const name of PROTOTYPE_NAMES) {
    for (const path of ['/tasks', '/admin/tasks']) {
      const result = await http(fx.stack, 'GET', path, { token: alice.idToken, query: { [name]: 'x' } });
      if (path === '/admin/tasks') {
        assert.is(result.status, 403, `${path}?${name}: ${result.text}`);
        continue;
      }
      assert.is(result.status, 400, `${path}?${name}: ${result.text}`);
      assert.is(result.json.error.code, 'validation_failed');
      assert.equal(result.json.error.details, [{ field: `query.${name}`, message: 'is not an accepted field' }], name);
    }
  }
});

hardening('the same parameter twice under a prototype name is refused as repeated, never a 500', async ({ fx, alice }) => {
  for (const name of PROTOTYPE_NAMES) {
    const result = await fetch(`${fx.stack.url}/tasks?${name}=a&${name}=b`, { headers: { Authorization: alice.idToken } });
    assert.is(result.status, 400, name);
    const body = (await result.json()) as { error: { details: { field: string; message: string }[] } };
    assert.equal(body.error.details, [{ field: `query.${name}`, message: 'must be given at most once' }], name);
  }
});

hardening('group membership is exact: a group named "readers,admin" or "[admin]" is not the admin group', async ({ fx }) => {
  const client = cognito(fx.stack);
  const inGroups = async (name: string, groups: string[]) => {
    const user = await createUser(fx.stack, name);
    for (const group of groups) {
      await client.send(new CreateGroupCommand({ UserPoolId: fx.stack.userPoolId, GroupName: group })).catch((error: Error) => {
        if (error.name !== 'GroupExistsException') throw error;
      });
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: fx.stack.userPoolId, Username: user.email, GroupName: group }));
    }
    return logIn(fx.stack, user.email);
  };
  for (const groups of [['readers,admin'], ['[admin]'], ['admin]', '[readers'], ['["admin"]']]) {
    const user = await inGroups('not-admin', groups);
    const result = await http(fx.stack, 'GET', '/admin/tasks', { token: user.idToken });
    assert.is(result.status, 403, `${JSON.stringify(groups)}: ${result.text}`);
    assert.is(result.json.error.code, 'forbidden');
  }
  const admin = await inGroups('real-admin', ['readers', 'admin']);
  assert.is((await http(fx.stack, 'GET', '/admin/tasks', { token: admin.idToken })).status, 200);
});

hardening('POST /tasks refuses unknown query parameters like every other route, and creates nothing', async ({ fx }) => {
  const bob = await createUser(fx.stack, 'query-poster');
  const result = await http(fx.stack, 'POST', '/tasks', { token: bob.idToken, query: { foo: 'bar' }, body: { title: 'never stored' } });
  assert.is(result.status, 400, result.text);
  assert.is(result.json.error.code, 'validation_failed');
  assert.equal(result.json.error.details, [{ field: 'query.foo', message: 'is not an accepted field' }]);
  const list = await http(fx.stack, 'GET', '/tasks', { token: bob.idToken });
  assert.is(list.json.count, 0);
});

hardening('a token whose subject cannot form a storage key is 401, never a 500; the longest storable one works', async ({ fx, alice }) => {
  const key = await poolSigningKey(fx.dataDir);
  for (const sub of ['x'.repeat(3000), 'é'.repeat(MAX_USER_ID_BYTES / 2 + 1), 'a\ud800b']) {
    const token = await resign(alice.idToken, key, { sub });
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { title: 'never stored' }],
    ] as const) {
      const result = await http(fx.stack, method, '/tasks', { token, body });
      assert.is(result.status, 401, `${method} with a ${sub.length}-character sub: ${result.text}`);
      assert.is(result.json.error.code, 'unauthorized');
    }
  }
  const longest = await resign(alice.idToken, key, { sub: 'y'.repeat(MAX_USER_ID_BYTES) });
  assert.is((await http(fx.stack, 'POST', '/tasks', { token: longest, body: { title: 'fits' } })).status, 201);
  const listed = await http(fx.stack, 'GET', '/tasks', { token: longest, query: { status: 'in_progress' } });
  assert.is(listed.status, 200, listed.text);
});

hardening(
  'at most MAX_TASKS_PER_USER tasks per user, even under parallel creates: the rest is 409 quota_exceeded with the limit',
  async ({ fx }) => {
    const hoarder = await createUser(fx.stack, 'hoarder');
    const results = await Promise.all(
      Array.from({ length: 4 * QUOTA }, (_, index) =>
        http(fx.stack, 'POST', '/tasks', { token: hoarder.idToken, body: { title: `hoard ${index}` } }),
      ),
    );
    const created = results.filter((result) => result.status === 201);
    const refused = results.filter((result) => result.status !== 201);
    assert.is(created.length, QUOTA, results.map((result) => result.status).join(' '));
    for (const result of refused) {
      assert.is(result.status, 409, result.text);
      assert.is(result.json.error.code, 'quota_exceeded');
      assert.equal(result.json.error.details, [{ field: 'tasks', message: `at most ${QUOTA} tasks per user`, limit: QUOTA }]);
    }
    assert.is((await http(fx.stack, 'GET', '/tasks', { token: hoarder.idToken })).json.count, QUOTA);
    // A replay of an idempotent create is not a new task; a delete frees a place for one.
    const key = { 'Idempotency-Key': 'hoard-once' };
    assert.is((await http(fx.stack, 'POST', '/tasks', { token: hoarder.idToken, body: { title: 'x' }, headers: key })).status, 409);
    assert.is((await http(fx.stack, 'DELETE', `/tasks/${created[0]?.json.task.task_id}`, { token: hoarder.idToken })).status, 204);
    const once = await http(fx.stack, 'POST', '/tasks', { token: hoarder.idToken, body: { title: 'x' }, headers: key });
    assert.is(once.status, 201, once.text);
    const replay = await http(fx.stack, 'POST', '/tasks', { token: hoarder.idToken, body: { title: 'x' }, headers: key });
    assert.is(replay.status, 201, 'the replay answers as the create did');
    assert.is((await http(fx.stack, 'POST', '/tasks', { token: hoarder.idToken, body: { title: 'one more' } })).status, 409);
    const other = await createUser(fx.stack, 'modest');
    assert.is(
      (await http(fx.stack, 'POST', '/tasks', { token: other.idToken, body: { title: 'mine' } })).status,
      201,
      'quotas are per user',
    );
  },
);

hardening.run();
