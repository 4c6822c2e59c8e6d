import '../support/env.ts';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/delete-task.ts';
import { conditionFailed, ddb, makeTask, newTaskId, resetMocks, storedItem, TABLE_NAME } from '../support/ddb.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';

const del = (taskId: string, headers: Record<string, string> = {}, sub: string = USER_A) =>
  invoke(handler, { method: 'DELETE', path: `/tasks/${taskId}`, resource: '/tasks/{taskId}', pathParameters: { taskId }, headers, sub });

const deleteInput = () => ddb.commandCalls(DeleteCommand)[0]?.args[0].input;

const deleting = suite('DELETE /tasks/{taskId}');
deleting.before.each(resetMocks);

deleting('answers 204 with an empty body', async () => {
  const response = await del(newTaskId());

  assert.is(response.status, 204);
  assert.is(response.raw, '');
  assert.is(response.headers['Cache-Control'], 'no-store');
});

deleting('sends one DeleteItem keyed by the caller’s sub, conditional on existence, then counts one task less', async () => {
  const taskId = newTaskId();

  await del(taskId);

  assert.is(ddb.calls().length, 2);
  const release = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
  assert.equal(release?.Key, { PK: `USER#${USER_A}`, SK: 'QUOTA' });
  assert.is(release?.ConditionExpression, '#count > :zero');
  assert.is(release?.ExpressionAttributeValues?.[':delta'], -1);
  assert.equal(deleteInput(), {
    TableName: TABLE_NAME,
    Key: { PK: `USER#${USER_A}`, SK: `TASK#${taskId}` },
    ConditionExpression: 'attribute_exists(PK)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
});

deleting('an absent task → 404 not_found', async () => {
  ddb.on(DeleteCommand).rejects(conditionFailed());

  const response = await del(newTaskId());

  assert.is(response.status, 404);
  assert.is(response.body.error.code, 'not_found');
});

deleting('user B cannot delete user A’s task: the key is B’s, the condition fails, 404', async () => {
  const taskId = newTaskId();
  ddb.on(DeleteCommand, { Key: { PK: `USER#${USER_A}` } }).resolves({});
  ddb.on(DeleteCommand, { Key: { PK: `USER#${USER_B}` } }).rejects(conditionFailed());

  const response = await del(taskId, {}, USER_B);

  assert.is(response.status, 404);
  assert.equal(deleteInput()?.Key, { PK: `USER#${USER_B}`, SK: `TASK#${taskId}` });
});

deleting('If-Match: "2" makes the delete conditional on version 2', async () => {
  await del(newTaskId(), { 'If-Match': '"2"' });

  assert.is(deleteInput()?.ConditionExpression, 'attribute_exists(PK) AND #version = :expected');
  assert.equal(deleteInput()?.ExpressionAttributeNames, { '#version': 'version' });
  assert.equal(deleteInput()?.ExpressionAttributeValues, { ':expected': 2 });
});

deleting('a stale If-Match → 412 precondition_failed', async () => {
  const task = makeTask({ version: 3 });
  ddb.on(DeleteCommand).rejects(conditionFailed(storedItem(USER_A, task)));

  const response = await del(task.task_id, { 'If-Match': '"2"' });

  assert.is(response.status, 412);
  assert.is(response.body.error.code, 'precondition_failed');
  assert.is(ddb.commandCalls(DeleteCommand).length, 1);
});

deleting('If-Match on an absent task (no old item returned) → 404 after one consistent read', async () => {
  ddb.on(DeleteCommand).rejects(conditionFailed());

  const response = await del(newTaskId(), { 'If-Match': '"2"' });

  assert.is(response.status, 404);
  assert.is(ddb.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead, true);
});

deleting('an unparseable If-Match → 400, nothing deleted', async () => {
  const response = await del(newTaskId(), { 'If-Match': 'yesterday' });

  assert.is(response.status, 400);
  assert.equal(
    response.body.error.details.map((issue: { field: string }) => issue.field),
    ['header.if-match'],
  );
  assert.is(ddb.calls().length, 0);
});

deleting('a bad task id → 400, nothing deleted', async () => {
  const response = await del('../other-user');

  assert.is(response.status, 400);
  assert.is(ddb.calls().length, 0);
});

deleting.run();
