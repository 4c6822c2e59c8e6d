import '../support/env.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/get-task.ts';
import { ddb, internalKeysIn, makeTask, newTaskId, resetMocks, storedItem, TABLE_NAME } from '../support/ddb.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';

const getTask = (taskId: string, sub: string = USER_A) =>
  invoke(handler, { method: 'GET', path: `/tasks/${taskId}`, resource: '/tasks/{taskId}', pathParameters: { taskId }, sub });

const reading = suite('GET /tasks/{taskId}');
reading.before.each(resetMocks);

reading('answers 200 with the task and its version as ETag', async () => {
  const task = makeTask({ version: 7, status: 'done' });
  ddb.on(GetCommand).resolves({ Item: storedItem(USER_A, task) });

  const response = await getTask(task.task_id);

  assert.is(response.status, 200);
  assert.equal(response.body, { task });
  assert.is(response.headers.ETag, '"7"');
});

reading('reads with one consistent GetItem keyed by the caller’s sub', async () => {
  const taskId = newTaskId();

  await getTask(taskId);

  assert.is(ddb.calls().length, 1);
  assert.equal(ddb.commandCalls(GetCommand)[0]?.args[0].input, {
    TableName: TABLE_NAME,
    Key: { PK: `USER#${USER_A}`, SK: `TASK#${taskId}` },
    ConsistentRead: true,
  });
});

reading('never returns the stored keys, owner or entity attributes', async () => {
  const task = makeTask();
  ddb.on(GetCommand).resolves({ Item: { ...storedItem(USER_A, task), expires_at: 123 } });

  const response = await getTask(task.task_id);

  assert.equal(internalKeysIn(response.raw), []);
  assert.not.ok(response.raw.includes('owner_id'));
  assert.not.ok(response.raw.includes(USER_A));
});

reading('an absent task → 404 not_found', async () => {
  const response = await getTask(newTaskId());

  assert.is(response.status, 404);
  assert.is(response.body.error.code, 'not_found');
  assert.is(response.body.request_id, 'req-test-1');
});

reading('user B cannot read user A’s task: the key is B’s, so it is a 404', async () => {
  const task = makeTask();
  ddb.on(GetCommand, { Key: { PK: `USER#${USER_A}`, SK: `TASK#${task.task_id}` } }).resolves({ Item: storedItem(USER_A, task) });

  const asOwner = await getTask(task.task_id, USER_A);
  const asOther = await getTask(task.task_id, USER_B);

  assert.is(asOwner.status, 200);
  assert.is(asOther.status, 404);
  assert.is(ddb.commandCalls(GetCommand)[1]?.args[0].input.Key?.PK, `USER#${USER_B}`);
  assert.not.ok(asOther.raw.includes(task.title));
});

for (const taskId of ['not-a-ulid', '01arz3ndektsv4rrffq69g5fav', `${newTaskId()}X`, 'TASK#01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
  reading(`a task id ${JSON.stringify(taskId)} → 400 naming path.taskId, no read`, async () => {
    const response = await getTask(taskId);

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(
      response.body.error.details.map((issue: { field: string }) => issue.field),
      ['path.taskId'],
    );
    assert.is(ddb.calls().length, 0);
  });
}

reading.run();
