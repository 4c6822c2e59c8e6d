/**
 * Findings of the penetration test against the functions, reproduced over HTTP against local mode: each
 * case is what the tester sent, and the answer the API must give instead.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_USER_ID_BYTES } from '../../functions/dynamodb/keys.ts';
import { poolSigningKey, resign } from './support/tokens.ts';
import { createUser, type Fixture, http, startStack, stopStack, type User } from './support/stack.ts';

const hardening = suite<{ fx: Fixture; alice: User }>('hardening: hostile input over HTTP');

hardening.before(async (context) => {
  context.fx = await startStack();
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

hardening.run();
