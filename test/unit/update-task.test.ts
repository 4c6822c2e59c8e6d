import '../support/env.ts';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/update-task.ts';
import { shardOf } from '../../functions/dynamodb/shards.ts';
import type { Task } from '../../functions/tasks/task.ts';
import { conditionFailed, ddb, internalKeysIn, makeTask, newTaskId, resetMocks, storedItem, TABLE_NAME } from '../support/ddb.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';

const patch = (taskId: string, body: unknown, headers: Record<string, string> = {}, sub: string = USER_A) =>
  invoke(handler, {
    method: 'PATCH',
    path: `/tasks/${taskId}`,
    resource: '/tasks/{taskId}',
    pathParameters: { taskId },
    body,
    headers,
    sub,
  });

/** The item DynamoDB hands back with ReturnValues ALL_NEW. */
function updatedTo(task: Task) {
  ddb.on(UpdateCommand).resolves({ Attributes: storedItem(USER_A, task) });
}

const updateInput = () => ddb.commandCalls(UpdateCommand)[0]?.args[0].input;

// ---------------------------------------------------------------------------------------------------
const updating = suite('PATCH /tasks/{taskId} updates with one atomic UpdateItem');
updating.before.each(resetMocks);

updating('answers 200 with the new task and its new version as ETag', async () => {
  const task = makeTask({ title: 'New title', version: 2 });
  updatedTo(task);

  const response = await patch(task.task_id, { title: 'New title' });

  assert.is(response.status, 200);
  assert.equal(response.body, { task });
  assert.is(response.headers.ETag, '"2"');
  assert.equal(internalKeysIn(response.raw), []);
  assert.not.ok(response.raw.includes('owner_id'));
});

updating('sends exactly one UpdateItem, keyed by the caller’s sub, bumping the version, conditional on existence', async () => {
  const taskId = newTaskId();
  updatedTo(makeTask({ task_id: taskId, version: 2 }));

  await patch(taskId, { title: '  Trimmed  ', description: '' });

  assert.is(ddb.calls().length, 1);
  const input = updateInput();
  assert.is(input?.TableName, TABLE_NAME);
  assert.equal(input?.Key, { PK: `USER#${USER_A}`, SK: `TASK#${taskId}` });
  assert.is(input?.ConditionExpression, 'attribute_exists(PK)');
  assert.is(input?.ReturnValues, 'ALL_NEW');
  assert.match(input?.UpdateExpression ?? '', /^SET /);
  assert.ok(input?.UpdateExpression?.includes('#version = #version + :one'));
  assert.ok(input?.UpdateExpression?.includes('#updated_at = :updated_at'));
  assert.ok(input?.UpdateExpression?.includes('#title = :title'));
  assert.ok(input?.UpdateExpression?.includes('#description = :description'));
  assert.is(input?.ExpressionAttributeValues?.[':title'], 'Trimmed');
  assert.is(input?.ExpressionAttributeValues?.[':description'], '');
  assert.is(input?.ExpressionAttributeValues?.[':one'], 1);
  const updatedAt = String(input?.ExpressionAttributeValues?.[':updated_at']);
  assert.is(new Date(updatedAt).toISOString(), updatedAt);
});

updating('a status change moves both status-index keys in the same write', async () => {
  const taskId = newTaskId();
  updatedTo(makeTask({ task_id: taskId, status: 'done', version: 2 }));

  await patch(taskId, { status: 'done' });

  const input = updateInput();
  assert.ok(input?.UpdateExpression?.includes('#status = :status'));
  assert.ok(input?.UpdateExpression?.includes('GSI1PK = :gsi1pk'));
  assert.ok(input?.UpdateExpression?.includes('GSI2PK = :gsi2pk'));
  assert.is(input?.ExpressionAttributeValues?.[':status'], 'done');
  // The task keeps its shard of the status index (a function of its id).
  assert.is(input?.ExpressionAttributeValues?.[':gsi1pk'], `STATUS#done#${shardOf(taskId, 8)}`);
  assert.is(input?.ExpressionAttributeValues?.[':gsi2pk'], `USER#${USER_A}#STATUS#done`);
  // The sort keys (created_at, task id) do not change with the status.
  assert.not.ok(input?.UpdateExpression?.includes('GSI1SK'));
  assert.not.ok(input?.UpdateExpression?.includes('GSI2SK'));
});

updating('a change without a status leaves the status-index keys alone', async () => {
  const taskId = newTaskId();
  updatedTo(makeTask({ task_id: taskId, version: 2 }));

  await patch(taskId, { title: 'Only the title', description: 'and this' });

  const input = updateInput();
  assert.not.ok(input?.UpdateExpression?.includes('GSI'));
  assert.not.ok(input?.UpdateExpression?.includes('#status'));
  assert.is(input?.ExpressionAttributeValues?.[':gsi1pk'], undefined);
  assert.is(input?.ExpressionAttributeValues?.[':gsi2pk'], undefined);
});

updating('an absent task → 404 not_found', async () => {
  ddb.on(UpdateCommand).rejects(conditionFailed());

  const response = await patch(newTaskId(), { title: 'x' });

  assert.is(response.status, 404);
  assert.is(response.body.error.code, 'not_found');
  assert.is(ddb.commandCalls(UpdateCommand).length, 1);
});

updating('user B cannot change user A’s task: the key is B’s, the condition fails, 404', async () => {
  const task = makeTask();
  ddb.on(UpdateCommand).rejects(conditionFailed());

  const response = await patch(task.task_id, { title: 'Hijacked' }, {}, USER_B);

  assert.is(response.status, 404);
  assert.equal(updateInput()?.Key, { PK: `USER#${USER_B}`, SK: `TASK#${task.task_id}` });
  assert.is(updateInput()?.ConditionExpression, 'attribute_exists(PK)');
});

updating.run();

// ---------------------------------------------------------------------------------------------------
const ifMatch = suite('PATCH /tasks/{taskId} with If-Match');
ifMatch.before.each(resetMocks);

for (const [header, version] of [
  ['"3"', 3],
  ['3', 3],
  [' "12" ', 12],
  ['\t"7"\t', 7],
] as const) {
  ifMatch(`If-Match: ${header} makes the write conditional on version ${version}`, async () => {
    const taskId = newTaskId();
    updatedTo(makeTask({ task_id: taskId, version: version + 1 }));

    const response = await patch(taskId, { status: 'in_progress' }, { 'If-Match': header });

    assert.is(response.status, 200);
    assert.is(updateInput()?.ConditionExpression, 'attribute_exists(PK) AND #version = :expected');
    assert.is(updateInput()?.ExpressionAttributeValues?.[':expected'], version);
    assert.is(updateInput()?.ExpressionAttributeNames?.['#version'], 'version');
  });
}

// Only HTTP's own whitespace (space, tab) may surround the tag; the digits are ASCII ones (the API document's
// pattern spells both out, so every regex engine reads it as the function does).
for (const header of ['W/"3"', '"3', '3"', '"abc"', '"1.5"', '"-1"', 'W/', '"1", "2"', '"1234567890123456"', '\u00a0"3"', '"٣"']) {
  ifMatch(`If-Match: ${header} → 400 naming header.if-match, no write`, async () => {
    const response = await patch(newTaskId(), { title: 'x' }, { 'If-Match': header });

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(
      response.body.error.details.map((issue: { field: string }) => issue.field),
      ['header.if-match'],
    );
    assert.is(ddb.calls().length, 0);
  });
}

ifMatch('If-Match: * only asks that the task exist: the update is unconditional on the version', async () => {
  const taskId = newTaskId();
  updatedTo(makeTask({ task_id: taskId, version: 2 }));

  const response = await patch(taskId, { status: 'done' }, { 'If-Match': '*' });

  assert.is(response.status, 200);
  assert.is(updateInput()?.ConditionExpression, 'attribute_exists(PK)');
});

ifMatch('a stale If-Match → 412 precondition_failed, and the failed conditional update is the only write', async () => {
  const task = makeTask({ version: 5 });
  ddb.on(UpdateCommand).rejects(conditionFailed(storedItem(USER_A, task)));

  const response = await patch(task.task_id, { title: 'Late edit' }, { 'If-Match': '"4"' });

  assert.is(response.status, 412);
  assert.is(response.body.error.code, 'precondition_failed');
  assert.is(updateInput()?.ReturnValuesOnConditionCheckFailure, 'ALL_OLD');
  assert.is(ddb.commandCalls(UpdateCommand).length, 1);
  assert.is(ddb.commandCalls(PutCommand).length, 0);
  assert.is(ddb.commandCalls(DeleteCommand).length, 0);
  assert.not.ok(response.raw.includes('Late edit'));
});

ifMatch('an engine that returns no old item: one consistent read tells 412 (task exists) …', async () => {
  const task = makeTask({ version: 5 });
  ddb.on(UpdateCommand).rejects(conditionFailed());
  ddb.on(GetCommand).resolves({ Item: storedItem(USER_A, task) });

  const response = await patch(task.task_id, { title: 'x' }, { 'If-Match': '"4"' });

  assert.is(response.status, 412);
  assert.equal(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key, { PK: `USER#${USER_A}`, SK: `TASK#${task.task_id}` });
});

ifMatch('… from 404 (no task)', async () => {
  ddb.on(UpdateCommand).rejects(conditionFailed());

  const response = await patch(newTaskId(), { title: 'x' }, { 'If-Match': '"4"' });

  assert.is(response.status, 404);
});

ifMatch.run();

// ---------------------------------------------------------------------------------------------------
const invalid = suite('PATCH /tasks/{taskId} rejects invalid bodies with 400 and writes nothing');
invalid.before.each(resetMocks);

const cases: [string, unknown, string[]][] = [
  ['an empty object', {}, ['body']],
  ['a blank title', { title: ' ' }, ['body.title']],
  ['a 201-character title', { title: 'x'.repeat(201) }, ['body.title']],
  ['an unknown status', { status: 'blocked' }, ['body.status']],
  ['a server-owned version', { title: 'ok', version: 9 }, ['body.version']],
  ['only a server-owned task_id', { task_id: newTaskId() }, ['body', 'body.task_id']],
  ['only an internal key', { GSI1PK: 'STATUS#done' }, ['body', 'body.GSI1PK']],
  ['a user id', { status: 'done', user_id: USER_B }, ['body.user_id']],
  ['a JSON array', [], ['body']],
];
for (const [name, body, fields] of cases) {
  invalid(`${name} → ${fields.join(', ')}`, async () => {
    const response = await patch(newTaskId(), body);

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(response.body.error.details.map((issue: { field: string }) => issue.field).sort(), fields);
    assert.is(ddb.calls().length, 0);
  });
}

invalid('a bad task id and a bad body are reported together', async () => {
  const response = await patch('nope', { status: 'nope' });

  assert.equal(response.body.error.details.map((issue: { field: string }) => issue.field).sort(), ['body.status', 'path.taskId']);
});

invalid.run();
