import '../support/env.ts';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/create-task.ts';
import { shardOf } from '../../functions/dynamodb/shards.ts';
import { ULID_PATTERN } from '../../functions/tasks/schemas.ts';
import { conditionFailed, ddb, internalKeysIn, resetMocks, sentCommandNames, TABLE_NAME } from '../support/ddb.ts';
import { makeEvent, SERVER_OWNED_FIELDS, USER_A, USER_B } from '../support/events.ts';
import { invoke, toResponse } from '../support/invoke.ts';

const post = (body: unknown, headers: Record<string, string> = {}, sub: string = USER_A) =>
  invoke(handler, { method: 'POST', path: '/tasks', body, headers, sub });

const taskPuts = () => ddb.commandCalls(PutCommand).filter((call) => String(call.args[0].input.Item?.SK).startsWith('TASK#'));
const claimPuts = () => ddb.commandCalls(PutCommand).filter((call) => String(call.args[0].input.Item?.SK).startsWith('IDEMPOTENCY#'));

// ---------------------------------------------------------------------------------------------------
const creating = suite('POST /tasks creates a task');
creating.before.each(resetMocks);

creating('answers 201 with the task, its Location and its ETag', async () => {
  const response = await post({ title: 'Buy milk' });

  assert.is(response.status, 201);
  const { task } = response.body;
  assert.match(task.task_id, ULID_PATTERN);
  assert.equal(Object.keys(task).sort(), ['created_at', 'description', 'status', 'task_id', 'title', 'updated_at', 'version']);
  assert.is(task.title, 'Buy milk');
  assert.is(task.description, '');
  assert.is(task.status, 'pending');
  assert.is(task.version, 1);
  assert.is(task.created_at, task.updated_at);
  assert.is(new Date(task.created_at).toISOString(), task.created_at);
  // makeEvent's request came through the `test` stage: the link keeps it, as the client addressed it.
  assert.is(response.headers.Location, `/test/tasks/${task.task_id}`);
  assert.is(response.headers.ETag, '"1"');
  assert.is(response.headers['Content-Type'], 'application/json');
});

creating('reserves a slot on the caller’s counter, then sends one conditional PutItem keyed by the sub, with both index keys (the status index sharded)', async () => {
  const response = await post({ title: 'Buy milk', description: 'semi-skimmed', status: 'in_progress' });

  const calls = ddb.commandCalls(PutCommand);
  assert.is(calls.length, 1);
  assert.equal(sentCommandNames(), ['UpdateCommand', 'PutCommand']);
  const reserve = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
  assert.equal(reserve?.Key, { PK: `USER#${USER_A}`, SK: 'QUOTA' });
  assert.is(reserve?.UpdateExpression, 'ADD #count :delta SET #entity = :entity');
  assert.is(reserve?.ConditionExpression, 'attribute_not_exists(#count) OR #count < :limit');
  assert.equal(reserve?.ExpressionAttributeValues, { ':delta': 1, ':entity': 'quota', ':limit': 10_000 });
  const input = calls[0]?.args[0].input;
  const id = response.body.task.task_id;
  assert.is(input?.TableName, TABLE_NAME);
  assert.is(input?.ConditionExpression, 'attribute_not_exists(PK)');
  assert.equal(input?.Item, {
    PK: `USER#${USER_A}`,
    SK: `TASK#${id}`,
    // The status index is sharded (STATUS_SHARDS=8 in the unit suites) by a function of the task id.
    GSI1PK: `STATUS#in_progress#${shardOf(id, 8)}`,
    GSI1SK: `${response.body.task.created_at}#${id}`,
    GSI2PK: `USER#${USER_A}#STATUS#in_progress`,
    GSI2SK: `TASK#${id}`,
    entity: 'task',
    owner_id: USER_A,
    ...response.body.task,
  });
});

creating('trims the title and keeps a description at its 2000-character limit', async () => {
  const response = await post({ title: '  Buy milk \n', description: 'd'.repeat(2000) });

  assert.is(response.status, 201);
  assert.is(response.body.task.title, 'Buy milk');
  assert.is(response.body.task.description.length, 2000);
});

creating('accepts a title of exactly 200 characters after trimming', async () => {
  const response = await post({ title: ` ${'t'.repeat(200)} ` });

  assert.is(response.status, 201);
  assert.is(response.body.task.title.length, 200);
});

creating('never puts internal attributes in the response body', async () => {
  const response = await post({ title: 'Buy milk' });

  assert.equal(internalKeysIn(response.raw), []);
  assert.not.ok(response.raw.includes('owner_id'));
  assert.not.ok(response.raw.includes(`USER#`));
});

creating('takes the owner from the token claims, whoever else the body names', async () => {
  await post({ title: 'Mine' }, {}, USER_B);

  assert.is(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.PK, `USER#${USER_B}`);
  assert.is(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.owner_id, USER_B);
});

creating('the Location resolves under the stage or base path the API is mounted at', async () => {
  for (const [requestPath, expected] of [
    ['/dev/tasks', '/dev/tasks/'],
    ['/v1/tasks/', '/v1/tasks/'],
    ['/tasks', '/tasks/'],
  ]) {
    const event = makeEvent({ method: 'POST', body: { title: 'Linked' } });
    event.requestContext.path = requestPath as string;
    const response = toResponse(await handler(event));
    assert.is(response.headers.Location, `${expected}${response.body.task.task_id}`);
  }
});

creating('at the quota: 409 quota_exceeded with the limit in details, and no task written', async () => {
  ddb.on(UpdateCommand, { Key: { SK: 'QUOTA' } }).rejects(conditionFailed());

  const response = await post({ title: 'One too many' });

  assert.is(response.status, 409);
  assert.is(response.body.error.code, 'quota_exceeded');
  assert.equal(response.body.error.details, [{ field: 'tasks', message: 'at most 10000 tasks per user', limit: 10_000 }]);
  assert.is(ddb.commandCalls(PutCommand).length, 0);
  assert.equal(sentCommandNames(), ['UpdateCommand']);
});

creating('a create whose write fails gives its slot back (never below zero), then answers 500', async () => {
  ddb.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));

  const response = await post({ title: 'Lost' });

  assert.is(response.status, 500);
  const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
  assert.equal(
    updates.map((input) => [input.ExpressionAttributeValues?.[':delta'], input.ConditionExpression]),
    [
      [1, 'attribute_not_exists(#count) OR #count < :limit'],
      [-1, '#count > :zero'],
    ],
  );
});

creating.run();

// ---------------------------------------------------------------------------------------------------
const invalid = suite('POST /tasks rejects invalid bodies with 400 validation_failed and writes nothing');
invalid.before.each(resetMocks);

const cases: [string, unknown, string[]][] = [
  ['a missing title', { description: 'x' }, ['body.title']],
  ['a blank title', { title: '   ' }, ['body.title']],
  ['a 201-character title', { title: 't'.repeat(201) }, ['body.title']],
  ['a 2001-character description', { title: 'ok', description: 'd'.repeat(2001) }, ['body.description']],
  ['an unknown status', { title: 'ok', status: 'archived' }, ['body.status']],
  ['a title that is not a string', { title: 42 }, ['body.title']],
  ['a null description', { title: 'ok', description: null }, ['body.description']],
  ['a JSON array', [{ title: 'ok' }], ['body']],
  ['a JSON string', 'ok', ['body']],
  ['a JSON null', null, ['body']],
  ['several bad fields at once', { title: '', status: 'nope', description: 7 }, ['body.description', 'body.status', 'body.title']],
];
for (const [name, body, fields] of cases) {
  invalid(`${name} → ${fields.join(', ')}`, async () => {
    const response = await post(body);

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(response.body.error.details.map((issue: { field: string }) => issue.field).sort(), fields);
    assert.is(response.body.request_id, 'req-test-1');
    assert.is(ddb.calls().length, 0);
  });
}

for (const field of SERVER_OWNED_FIELDS) {
  invalid(`a server-owned or unknown field "${field}" → 400 naming it`, async () => {
    const response = await post({ title: 'ok', [field]: 'x' });

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(response.body.error.details, [{ field: `body.${field}`, message: 'is not an accepted field' }]);
    assert.is(ddb.calls().length, 0);
  });
}

invalid('every unknown field is listed, not only the first', async () => {
  const response = await post({ title: 'ok', user_id: USER_B, PK: 'USER#x', version: 9 });

  assert.equal(response.body.error.details.map((issue: { field: string }) => issue.field).sort(), [
    'body.PK',
    'body.user_id',
    'body.version',
  ]);
});

invalid('a missing body → 400 saying the body is required', async () => {
  const response = await invoke(handler, { method: 'POST', path: '/tasks' });

  assert.is(response.status, 400);
  assert.equal(response.body.error.details, [{ field: 'body', message: 'is required' }]);
});

invalid.run();

// ---------------------------------------------------------------------------------------------------
const idempotent = suite('POST /tasks with an Idempotency-Key');
idempotent.before.each(resetMocks);

idempotent('first use claims the key with a conditional put, then writes the task', async () => {
  const response = await post({ title: 'Once' }, { 'Idempotency-Key': 'key-1' });

  assert.is(response.status, 201);
  const claim = claimPuts()[0]?.args[0].input;
  assert.is(claim?.TableName, TABLE_NAME);
  assert.is(claim?.Item?.PK, `USER#${USER_A}`);
  assert.is(claim?.Item?.SK, 'IDEMPOTENCY#key-1');
  assert.equal(claim?.Item?.task, response.body.task);
  assert.type(claim?.Item?.expires_at, 'number');
  assert.ok((claim?.Item?.expires_at as number) > Date.now() / 1000);
  assert.is(claim?.ConditionExpression, 'attribute_not_exists(PK) OR #expires < :now');
  assert.is(taskPuts().length, 1);
  assert.is(taskPuts()[0]?.args[0].input.ConditionExpression, 'attribute_not_exists(PK)');
  assert.equal(
    ddb.calls().map((call) => (call.args[0] as object).constructor.name),
    ['PutCommand', 'UpdateCommand', 'PutCommand', 'UpdateCommand'],
  );
  const completion = ddb.commandCalls(UpdateCommand)[1]?.args[0].input;
  assert.equal(completion?.Key, { PK: `USER#${USER_A}`, SK: 'IDEMPOTENCY#key-1' });
  assert.is(completion?.UpdateExpression, 'SET completed = :true');
  assert.is(completion?.ConditionExpression, 'attribute_exists(PK)');
});

idempotent('a repeat with the same key and body returns the same task (201) and writes no second task', async () => {
  // First request: remember what was claimed and written.
  const first = await post({ title: 'Once', description: 'only once' }, { 'Idempotency-Key': 'key-1' });
  const claimed = claimPuts()[0]?.args[0].input.Item as Record<string, unknown>;
  const written = taskPuts()[0]?.args[0].input.Item as Record<string, unknown>;
  // Second request: the key is taken and the task exists.
  resetMocks();
  ddb.on(PutCommand, { Item: { SK: 'IDEMPOTENCY#key-1' } }).rejects(conditionFailed(claimed));
  // As the first request left it: marked completed after its task was written.
  ddb.on(GetCommand, { Key: { SK: 'IDEMPOTENCY#key-1' } }).resolves({ Item: { ...claimed, completed: true } });
  ddb.on(GetCommand, { Key: { SK: written.SK } }).resolves({ Item: written });

  const replay = await post({ description: 'only once', title: ' Once ' }, { 'Idempotency-Key': 'key-1' });

  assert.is(replay.status, 201);
  assert.equal(replay.body.task, first.body.task);
  assert.is(replay.headers.Location, first.headers.Location);
  assert.is(replay.headers.ETag, '"1"');
  assert.is(taskPuts().length, 0, 'the replay must not write a task');
  assert.equal(internalKeysIn(replay.raw), []);
  const reads = ddb.commandCalls(GetCommand).map((call) => call.args[0].input);
  assert.ok(reads.every((read) => read.Key?.PK === `USER#${USER_A}` && read.ConsistentRead === true));
});

idempotent('the same key with a different body → 409 idempotency_key_reused and no task written', async () => {
  await post({ title: 'Once' }, { 'Idempotency-Key': 'key-1' });
  const claimed = claimPuts()[0]?.args[0].input.Item as Record<string, unknown>;
  resetMocks();
  ddb.on(PutCommand, { Item: { SK: 'IDEMPOTENCY#key-1' } }).rejects(conditionFailed(claimed));
  ddb.on(GetCommand, { Key: { SK: 'IDEMPOTENCY#key-1' } }).resolves({ Item: claimed });

  const response = await post({ title: 'Twice' }, { 'Idempotency-Key': 'key-1' });

  assert.is(response.status, 409);
  assert.is(response.body.error.code, 'idempotency_key_reused');
  assert.is(taskPuts().length, 0);
});

for (const key of ['', 'k'.repeat(65), 'has space', 'semi;colon', 'ünïcode']) {
  idempotent(`an Idempotency-Key of ${JSON.stringify(key.length > 20 ? `${key.slice(0, 10)}…(${key.length})` : key)} → 400`, async () => {
    const response = await post({ title: 'ok' }, { 'Idempotency-Key': key });

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(
      response.body.error.details.map((issue: { field: string }) => issue.field),
      ['header.idempotency-key'],
    );
    assert.is(ddb.calls().length, 0);
  });
}

idempotent('a 64-character key of every allowed character class is accepted', async () => {
  const key = `Az09_-${'x'.repeat(58)}`;
  const response = await post({ title: 'ok' }, { 'Idempotency-Key': key });

  assert.is(response.status, 201);
  assert.is(claimPuts()[0]?.args[0].input.Item?.SK, `IDEMPOTENCY#${key}`);
});

idempotent.run();
