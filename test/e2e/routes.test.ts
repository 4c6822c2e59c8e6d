/** Every route's success path over real HTTP, from sign-up through the Cognito SDK to DELETE. */
import { InitiateAuthCommand, SignUpCommand, AdminConfirmSignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cognito,
  createTask,
  createUser,
  type Fixture,
  http,
  PASSWORD,
  startStack,
  stopStack,
  uniqueEmail,
  type User,
} from './support/stack.ts';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const routes = suite<{ fx: Fixture; alice: User; admin: User }>('routes over HTTP');

routes.before(async (context) => {
  context.fx = await startStack();
  context.alice = await createUser(context.fx.stack, 'alice');
  context.admin = await createUser(context.fx.stack, 'admin', { admin: true });
});
routes.after(async ({ fx }) => stopStack(fx));

routes('the walkthrough works with plain tools: the Cognito SDK for the token, fetch with the raw ID token', async ({ fx }) => {
  const { stack } = fx;
  const client = cognito(stack);
  const email = uniqueEmail('plain');
  await client.send(
    new SignUpCommand({ ClientId: stack.clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await client.send(new AdminConfirmSignUpCommand({ UserPoolId: stack.userPoolId, Username: email }));
  const auth = await client.send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: stack.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: PASSWORD },
    }),
  );
  const idToken = auth.AuthenticationResult?.IdToken ?? '';

  const created = await fetch(`${stack.url}/tasks`, {
    method: 'POST',
    headers: { Authorization: idToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Buy milk' }),
  });
  assert.is(created.status, 201);
  const { task } = (await created.json()) as { task: { task_id: string } };
  const listed = await fetch(`${stack.url}/tasks`, { headers: { Authorization: idToken } });
  assert.is(listed.status, 200);
  const page = (await listed.json()) as { tasks: { task_id: string }[] };
  assert.equal(
    page.tasks.map((t) => t.task_id),
    [task.task_id],
  );
});

routes('POST /tasks answers 201 with the task, its Location and its ETag, filling the defaults', async ({ fx, alice }) => {
  const before = Date.now();
  const result = await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, body: { title: '  Write the report  ' } });
  assert.is(result.status, 201);
  const task = result.json.task;
  assert.match(task.task_id, ULID);
  assert.is(task.title, 'Write the report');
  assert.is(task.description, '');
  assert.is(task.status, 'pending');
  assert.is(task.version, 1);
  assert.is(task.created_at, task.updated_at);
  assert.ok(Date.parse(task.created_at) >= before - 1000);
  assert.is(result.headers.get('location'), `/tasks/${task.task_id}`);
  assert.is(result.headers.get('etag'), '"1"');
  assert.match(result.headers.get('content-type') ?? '', /^application\/json/);
  assert.is(result.headers.get('cache-control'), 'no-store');
  assert.equal(Object.keys(task).sort(), ['created_at', 'description', 'status', 'task_id', 'title', 'updated_at', 'version']);
});

routes('GET /tasks/{id} returns the task as created', async ({ fx, alice }) => {
  const created = await createTask(fx.stack, alice, { title: 'Read', description: 'chapter 3', status: 'in_progress' });
  const result = await http(fx.stack, 'GET', `/tasks/${created.task_id}`, { token: alice.idToken });
  assert.is(result.status, 200);
  assert.equal(result.json.task, created);
  assert.is(result.headers.get('etag'), '"1"');
});

routes('GET /tasks lists the caller’s tasks newest first, with count and a null next_token at the end', async ({ fx }) => {
  const user = await createUser(fx.stack, 'lister');
  const first = await createTask(fx.stack, user, { title: 'first' });
  const second = await createTask(fx.stack, user, { title: 'second', status: 'done' });
  const result = await http(fx.stack, 'GET', '/tasks', { token: user.idToken });
  assert.is(result.status, 200);
  assert.equal(
    result.json.tasks.map((t: { task_id: string }) => t.task_id),
    [second.task_id, first.task_id],
  );
  assert.is(result.json.count, 2);
  assert.is(result.json.next_token, null);

  const done = await http(fx.stack, 'GET', '/tasks', { token: user.idToken, query: { status: 'done' } });
  assert.equal(
    done.json.tasks.map((t: { task_id: string }) => t.task_id),
    [second.task_id],
  );
});

routes('PATCH /tasks/{id} changes only the given fields and bumps the version', async ({ fx, alice }) => {
  const created = await createTask(fx.stack, alice, { title: 'Draft', description: 'keep me' });
  const result = await http(fx.stack, 'PATCH', `/tasks/${created.task_id}`, {
    token: alice.idToken,
    body: { status: 'done' },
    headers: { 'If-Match': '"1"' },
  });
  assert.is(result.status, 200);
  assert.is(result.json.task.status, 'done');
  assert.is(result.json.task.title, 'Draft');
  assert.is(result.json.task.description, 'keep me');
  assert.is(result.json.task.version, 2);
  assert.is(result.json.task.created_at, created.created_at);
  assert.ok(result.json.task.updated_at >= created.updated_at);
  assert.is(result.headers.get('etag'), '"2"');

  const unconditional = await http(fx.stack, 'PATCH', `/tasks/${created.task_id}`, { token: alice.idToken, body: { title: 'Final' } });
  assert.is(unconditional.status, 200);
  assert.is(unconditional.json.task.version, 3);
  const read = await http(fx.stack, 'GET', `/tasks/${created.task_id}`, { token: alice.idToken });
  assert.is(read.json.task.title, 'Final');
});

routes('DELETE /tasks/{id} answers 204 with no body, after which the task is gone', async ({ fx, alice }) => {
  const created = await createTask(fx.stack, alice, { title: 'Temporary' });
  const result = await http(fx.stack, 'DELETE', `/tasks/${created.task_id}`, { token: alice.idToken });
  assert.is(result.status, 204);
  assert.is(result.text, '');
  const read = await http(fx.stack, 'GET', `/tasks/${created.task_id}`, { token: alice.idToken });
  assert.is(read.status, 404);
  assert.is(read.json.error.code, 'not_found');
  const again = await http(fx.stack, 'DELETE', `/tasks/${created.task_id}`, { token: alice.idToken });
  assert.is(again.status, 404);
});

routes('DELETE with a matching If-Match deletes; with a stale one answers 412 and keeps the task', async ({ fx, alice }) => {
  const created = await createTask(fx.stack, alice, { title: 'Guarded' });
  await http(fx.stack, 'PATCH', `/tasks/${created.task_id}`, { token: alice.idToken, body: { title: 'Guarded v2' } });
  const stale = await http(fx.stack, 'DELETE', `/tasks/${created.task_id}`, { token: alice.idToken, headers: { 'If-Match': '"1"' } });
  assert.is(stale.status, 412);
  assert.is(stale.json.error.code, 'precondition_failed');
  assert.is((await http(fx.stack, 'GET', `/tasks/${created.task_id}`, { token: alice.idToken })).status, 200);
  const current = await http(fx.stack, 'DELETE', `/tasks/${created.task_id}`, { token: alice.idToken, headers: { 'If-Match': '"2"' } });
  assert.is(current.status, 204);
});

routes('GET /admin/tasks shows an admin every user’s tasks of one status, with owner_id', async ({ fx, alice, admin }) => {
  const mine = await createTask(fx.stack, alice, { title: 'Pending for the admin view' });
  const result = await http(fx.stack, 'GET', '/admin/tasks', { token: admin.idToken, query: { status: 'pending', limit: '100' } });
  assert.is(result.status, 200);
  const found = result.json.tasks.find((t: { task_id: string }) => t.task_id === mine.task_id);
  assert.ok(found, 'the admin sees alice’s pending task');
  assert.is(found.owner_id, alice.sub);
  assert.ok(result.json.tasks.every((t: { status: string }) => t.status === 'pending'));
});

routes('responses never carry the storage keys', async ({ fx, alice, admin }) => {
  const created = await createTask(fx.stack, alice, { title: 'No keys' });
  const bodies = [
    (await http(fx.stack, 'GET', `/tasks/${created.task_id}`, { token: alice.idToken })).text,
    (await http(fx.stack, 'GET', '/tasks', { token: alice.idToken })).text,
    (await http(fx.stack, 'GET', '/admin/tasks', { token: admin.idToken })).text,
  ];
  for (const body of bodies) assert.not.match(body, /"(PK|SK|GSI1PK|GSI1SK|GSI2PK|GSI2SK)"/);
});

routes.run();
