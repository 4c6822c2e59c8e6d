/** Racing writers over HTTP: optimistic locking with If-Match, and idempotent creates with Idempotency-Key. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTask, createUser, type Fixture, http, startStack, stopStack, type User } from './support/stack.ts';

const concurrency = suite<{ fx: Fixture; alice: User }>('concurrent and repeated writes over HTTP');

concurrency.before(async (context) => {
  context.fx = await startStack();
  context.alice = await createUser(context.fx.stack, 'racer');
});
concurrency.after(async ({ fx }) => stopStack(fx));

concurrency('concurrent PATCHes with the same If-Match: exactly one 200, the rest 412', async ({ fx, alice }) => {
  const task = await createTask(fx.stack, alice, { title: 'Contended' });
  const writers = Array.from({ length: 8 }, (_, index) =>
    http(fx.stack, 'PATCH', `/tasks/${task.task_id}`, {
      token: alice.idToken,
      body: { title: `writer ${index}` },
      headers: { 'If-Match': '"1"' },
    }),
  );
  const results = await Promise.all(writers);
  const statuses = results.map((result) => result.status).sort();
  assert.equal(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
  for (const result of results.filter((r) => r.status === 412)) assert.is(result.json.error.code, 'precondition_failed');

  const winner = results.find((result) => result.status === 200)?.json.task;
  const stored = await http(fx.stack, 'GET', `/tasks/${task.task_id}`, { token: alice.idToken });
  assert.is(stored.json.task.version, 2);
  assert.is(stored.json.task.title, winner.title, 'the stored title is the winner’s');
});

concurrency('a PATCH with a stale If-Match is 412 and changes nothing', async ({ fx, alice }) => {
  const task = await createTask(fx.stack, alice, { title: 'Versioned' });
  assert.is(
    (await http(fx.stack, 'PATCH', `/tasks/${task.task_id}`, { token: alice.idToken, body: { status: 'in_progress' } })).status,
    200,
  );
  const stale = await http(fx.stack, 'PATCH', `/tasks/${task.task_id}`, {
    token: alice.idToken,
    body: { status: 'done' },
    headers: { 'If-Match': '"1"' },
  });
  assert.is(stale.status, 412);
  const stored = await http(fx.stack, 'GET', `/tasks/${task.task_id}`, { token: alice.idToken });
  assert.is(stored.json.task.status, 'in_progress');
  assert.is(stored.json.task.version, 2);
});

concurrency('the same Idempotency-Key and body twice: the same task, 201 both times, one task in the list', async ({ fx }) => {
  const user = await createUser(fx.stack, 'idem');
  const request = {
    token: user.idToken,
    body: { title: 'Pay rent', description: 'by the 1st' },
    headers: { 'Idempotency-Key': 'rent-2026-12' },
  };
  const first = await http(fx.stack, 'POST', '/tasks', request);
  const replay = await http(fx.stack, 'POST', '/tasks', request);
  assert.is(first.status, 201);
  assert.is(replay.status, 201);
  assert.is(replay.json.task.task_id, first.json.task.task_id);
  assert.equal(replay.json.task, first.json.task);
  assert.is(replay.headers.get('location'), first.headers.get('location'));
  assert.is(replay.headers.get('etag'), first.headers.get('etag'));
  const list = await http(fx.stack, 'GET', '/tasks', { token: user.idToken });
  assert.is(list.json.count, 1);
});

concurrency('concurrent creates with one Idempotency-Key make one task', async ({ fx }) => {
  const user = await createUser(fx.stack, 'idem-race');
  const request = { token: user.idToken, body: { title: 'Once only' }, headers: { 'Idempotency-Key': 'race-key-1' } };
  const results = await Promise.all(Array.from({ length: 5 }, () => http(fx.stack, 'POST', '/tasks', request)));
  const created = results.filter((result) => result.status === 201);
  assert.ok(created.length >= 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
  assert.ok(
    results.every((result) => result.status === 201 || result.status === 409),
    `a racing replay is a 201 or a 409, never a 5xx: ${results.map((r) => r.status)}`,
  );
  assert.is(new Set(created.map((result) => result.json.task.task_id)).size, 1, 'every 201 names the same task');
  const list = await http(fx.stack, 'GET', '/tasks', { token: user.idToken });
  assert.is(list.json.count, 1);
});

concurrency('the same Idempotency-Key with another body is 409 idempotency_key_reused, and creates nothing', async ({ fx }) => {
  const user = await createUser(fx.stack, 'idem-reuse');
  const key = { 'Idempotency-Key': 'reused-key' };
  assert.is((await http(fx.stack, 'POST', '/tasks', { token: user.idToken, body: { title: 'Original' }, headers: key })).status, 201);
  const conflict = await http(fx.stack, 'POST', '/tasks', { token: user.idToken, body: { title: 'Different' }, headers: key });
  assert.is(conflict.status, 409);
  assert.is(conflict.json.error.code, 'idempotency_key_reused');
  const list = await http(fx.stack, 'GET', '/tasks', { token: user.idToken });
  assert.equal(
    list.json.tasks.map((t: { title: string }) => t.title),
    ['Original'],
  );
});

concurrency('Idempotency-Keys belong to their user: another user’s same key creates their own task', async ({ fx, alice }) => {
  const bob = await createUser(fx.stack, 'idem-bob');
  const request = { body: { title: 'Shared key' }, headers: { 'Idempotency-Key': 'per-user-key' } };
  const a = await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, ...request });
  const b = await http(fx.stack, 'POST', '/tasks', { token: bob.idToken, ...request });
  assert.is(a.status, 201);
  assert.is(b.status, 201);
  assert.is.not(a.json.task.task_id, b.json.task.task_id);
  assert.is((await http(fx.stack, 'GET', `/tasks/${b.json.task.task_id}`, { token: bob.idToken })).status, 200);
});

concurrency.run();
