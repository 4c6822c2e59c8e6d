/** Bad requests over HTTP: each gets its 4xx in the one error envelope, never a 500 or a stack trace. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTask, createUser, type Fixture, http, type HttpResult, startStack, stopStack, type User } from './support/stack.ts';

const validation = suite<{ fx: Fixture; alice: User }>('request validation over HTTP');

validation.before(async (context) => {
  context.fx = await startStack();
  context.alice = await createUser(context.fx.stack, 'validator');
});
validation.after(async ({ fx }) => stopStack(fx));

function expectError(result: HttpResult, status: number, code: string) {
  assert.is(result.status, status, result.text);
  assert.is(result.json?.error?.code, code, result.text);
  assert.type(result.json.error.message, 'string');
  assert.type(result.json.request_id, 'string');
  assert.not.match(result.text, /at .+\.(ts|js):\d+/, 'no stack trace');
  assert.match(result.headers.get('content-type') ?? '', /^application\/json/);
}

validation('an unknown body field is 400 validation_failed, naming the field', async ({ fx, alice }) => {
  const result = await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, body: { title: 'ok', priority: 'high' } });
  expectError(result, 400, 'validation_failed');
  assert.ok(JSON.stringify(result.json.error.details ?? []).includes('priority'), result.text);
});

validation('server-owned fields in the body are 400 (task_id, version, owner, created_at, keys)', async ({ fx, alice }) => {
  for (const extra of [
    { task_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
    { version: 7 },
    { user_id: 'someone' },
    { owner_id: 'x' },
    { created_at: '2020-01-01T00:00:00Z' },
    { PK: 'USER#x' },
  ]) {
    expectError(
      await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, body: { title: 'ok', ...extra } }),
      400,
      'validation_failed',
    );
  }
  const task = await createTask(fx.stack, alice, { title: 'patch me' });
  expectError(
    await http(fx.stack, 'PATCH', `/tasks/${task.task_id}`, { token: alice.idToken, body: { version: 9 } }),
    400,
    'validation_failed',
  );
});

validation('missing, blank or too long titles, a bad status and a long description are 400', async ({ fx, alice }) => {
  for (const body of [
    {},
    { title: '   ' },
    { title: 'x'.repeat(201) },
    { title: 'ok', status: 'archived' },
    { title: 'ok', description: 'd'.repeat(2001) },
    { title: 42 },
  ]) {
    expectError(await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, body }), 400, 'validation_failed');
  }
  assert.is(
    (await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, body: { title: 'x'.repeat(200), description: 'd'.repeat(2000) } }))
      .status,
    201,
  );
});

validation('a PATCH with no field to change is 400', async ({ fx, alice }) => {
  const task = await createTask(fx.stack, alice, { title: 'unchanged' });
  expectError(await http(fx.stack, 'PATCH', `/tasks/${task.task_id}`, { token: alice.idToken, body: {} }), 400, 'validation_failed');
});

validation('malformed JSON is 400 invalid_json', async ({ fx, alice }) => {
  const result = await http(fx.stack, 'POST', '/tasks', {
    token: alice.idToken,
    rawBody: '{"title": "unterminated',
    headers: { 'Content-Type': 'application/json' },
  });
  expectError(result, 400, 'invalid_json');
});

validation('a body that is not JSON-typed is 415 unsupported_media_type', async ({ fx, alice }) => {
  const result = await http(fx.stack, 'POST', '/tasks', {
    token: alice.idToken,
    rawBody: 'title=hello',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  expectError(result, 415, 'unsupported_media_type');
});

validation('a body over 16 KiB is 413 payload_too_large', async ({ fx, alice }) => {
  const rawBody = JSON.stringify({ title: 'big', description: 'x'.repeat(17 * 1024) });
  const result = await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, rawBody, headers: { 'Content-Type': 'application/json' } });
  expectError(result, 413, 'payload_too_large');
});

validation('a path id that is not a ULID is 400, not 404 or 500', async ({ fx, alice }) => {
  expectError(await http(fx.stack, 'GET', '/tasks/not-a-ulid', { token: alice.idToken }), 400, 'validation_failed');
});

validation('an unknown query parameter or status value is 400', async ({ fx, alice }) => {
  expectError(await http(fx.stack, 'GET', '/tasks', { token: alice.idToken, query: { sort: 'asc' } }), 400, 'validation_failed');
  expectError(await http(fx.stack, 'GET', '/tasks', { token: alice.idToken, query: { status: 'archived' } }), 400, 'validation_failed');
});

validation('a malformed If-Match or Idempotency-Key header is 400', async ({ fx, alice }) => {
  const task = await createTask(fx.stack, alice, { title: 'headers' });
  expectError(
    await http(fx.stack, 'PATCH', `/tasks/${task.task_id}`, {
      token: alice.idToken,
      body: { title: 'x' },
      headers: { 'If-Match': 'yesterday' },
    }),
    400,
    'validation_failed',
  );
  expectError(
    await http(fx.stack, 'POST', '/tasks', {
      token: alice.idToken,
      body: { title: 'x' },
      headers: { 'Idempotency-Key': 'has spaces and ünïcode' },
    }),
    400,
    'validation_failed',
  );
});

validation('an unknown path is not a 500', async ({ fx, alice }) => {
  const result = await http(fx.stack, 'GET', '/nothing-here', { token: alice.idToken });
  assert.ok([403, 404].includes(result.status), `${result.status} ${result.text}`);
});

validation.run();
