/** Local mode keeps its data: stop the stack, start it on the same directory, and everything is still there. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTask, createUser, type Fixture, freePortPair, http, logIn, newDataDir, startStack, stopStack } from './support/stack.ts';

const restart = suite<{ fx?: Fixture }>('data survives a restart');

restart.after(async (context) => stopStack(context.fx));

restart('users, tasks, tokens and the admin group survive stop and start on the same data directory', async (context) => {
  const dataDir = await newDataDir();
  // A fixed port (as `npm start` always uses 3000): the pool's issuer, which is its URL, stays the same.
  const port = await freePortPair();
  const first = await startStack(dataDir, port);
  context.fx = first;
  const alice = await createUser(first.stack, 'survivor');
  const admin = await createUser(first.stack, 'survivor-admin', { admin: true });
  const task = await createTask(first.stack, alice, { title: 'Outlive the process', status: 'in_progress' });
  await first.stack.stop();
  context.fx = undefined;

  // Same port and the signing key kept in the data dir: the token from before the restart is still good.
  const second = await startStack(dataDir, port);
  context.fx = second;
  const { stack } = second;
  const withOldToken = await http(stack, 'GET', `/tasks/${task.task_id}`, { token: alice.idToken });
  assert.is(withOldToken.status, 200, `the token from before the restart: ${withOldToken.text}`);
  assert.equal(withOldToken.json.task, task);

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
