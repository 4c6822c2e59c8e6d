/** Local mode keeps its data: stop the stack, start it on the same directory, and everything is still there. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTask, createUser, type Fixture, http, logIn, newDataDir, startStack, stopStack } from './support/stack.ts';

const restart = suite<{ fx?: Fixture }>('data survives a restart');

restart.after(async (context) => stopStack(context.fx));

restart('users, tasks and the admin group survive stop and start on the same data directory', async (context) => {
  const dataDir = await newDataDir();
  const first = await startStack(dataDir);
  context.fx = first;
  const alice = await createUser(first.stack, 'survivor');
  const admin = await createUser(first.stack, 'survivor-admin', { admin: true });
  const task = await createTask(first.stack, alice, { title: 'Outlive the process', status: 'in_progress' });
  await first.stack.stop();
  context.fx = undefined;

  const second = await startStack(dataDir);
  context.fx = second;
  const { stack } = second;

  // The token from before the restart, if still accepted, sees the same task; a fresh login does too.
  const withOldToken = await http(stack, 'GET', `/tasks/${task.task_id}`, { token: alice.idToken });
  assert.ok([200, 401].includes(withOldToken.status), `old token: ${withOldToken.status} ${withOldToken.text}`);
  if (withOldToken.status === 200) assert.equal(withOldToken.json.task, task);

  const again = await logIn(stack, alice.email);
  assert.is(again.sub, alice.sub, 'the same user after the restart');
  const read = await http(stack, 'GET', `/tasks/${task.task_id}`, { token: again.idToken });
  assert.is(read.status, 200, read.text);
  assert.equal(read.json.task, task);

  const adminAgain = await logIn(stack, admin.email);
  const adminView = await http(stack, 'GET', '/admin/tasks', { token: adminAgain.idToken, query: { status: 'in_progress' } });
  assert.is(adminView.status, 200, adminView.text);
  assert.ok(adminView.json.tasks.some((t: { task_id: string }) => t.task_id === task.task_id));

  // And it is still writable.
  const updated = await http(stack, 'PATCH', `/tasks/${task.task_id}`, {
    token: again.idToken,
    body: { status: 'done' },
    headers: { 'If-Match': '"1"' },
  });
  assert.is(updated.status, 200, updated.text);
});

restart.run();
