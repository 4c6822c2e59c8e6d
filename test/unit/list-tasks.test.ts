import '../support/env.ts';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/list-tasks.ts';
import type { TaskStatus } from '../../functions/tasks/task.ts';
import { ddb, internalKeysIn, makeTask, resetMocks, storedItem, TABLE_NAME } from '../support/ddb.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';

const list = (query: Record<string, string | string[]> = {}, sub: string = USER_A) =>
  invoke(handler, { method: 'GET', path: '/tasks', query, sub });

/** `count` stored items of USER_A, newest first, as DynamoDB would return them. */
function items(count: number, status: TaskStatus = 'pending') {
  return Array.from({ length: count }, (_, index) =>
    storedItem(
      USER_A,
      makeTask({ status, title: `Task ${index}`, task_id: `01J0000000000000000000${String(1000 + count - index).slice(-4)}` }),
    ),
  );
}

const queryInput = (index = 0) => ddb.commandCalls(QueryCommand)[index]?.args[0].input;

/** A real next_token for user A's `query`, from a first page that had one item more than `limit`. */
async function tokenFor(query: Record<string, string>, status?: TaskStatus) {
  ddb.on(QueryCommand).resolves({ Items: items(Number(query.limit ?? 50) + 1, status) });
  const response = await list(query);
  ddb.reset();
  ddb.onAnyCommand().resolves({});
  return response.body.next_token as string;
}

// ---------------------------------------------------------------------------------------------------
const listing = suite('GET /tasks lists the caller’s tasks');
listing.before.each(resetMocks);

listing('without a status: one Query on the table, the caller’s partition, newest first, limit+1', async () => {
  await list();

  assert.is(ddb.calls().length, 1);
  assert.equal(queryInput(), {
    TableName: TABLE_NAME,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': `USER#${USER_A}`, ':prefix': 'TASK#' },
    ScanIndexForward: false,
    Limit: 51,
    ExclusiveStartKey: undefined,
  });
  assert.is(ddb.commandCalls(ScanCommand).length, 0);
});

listing('with ?status=: a key-condition Query on GSI2, no FilterExpression', async () => {
  await list({ status: 'in_progress', limit: '10' });

  const input = queryInput();
  assert.is(input?.IndexName, 'GSI2');
  assert.is(input?.KeyConditionExpression, 'GSI2PK = :pk');
  assert.equal(input?.ExpressionAttributeValues, { ':pk': `USER#${USER_A}#STATUS#in_progress` });
  assert.is(input?.FilterExpression, undefined);
  assert.is(input?.ScanIndexForward, false);
  assert.is(input?.Limit, 11);
});

listing('answers {tasks, count, next_token: null} in the order DynamoDB returned them', async () => {
  const stored = items(3);
  ddb.on(QueryCommand).resolves({ Items: stored });

  const response = await list();

  assert.is(response.status, 200);
  assert.equal(Object.keys(response.body).sort(), ['count', 'next_token', 'tasks']);
  assert.is(response.body.count, 3);
  assert.is(response.body.next_token, null);
  assert.equal(
    response.body.tasks.map((task: { task_id: string }) => task.task_id),
    stored.map((item) => item.task_id),
  );
  assert.equal(internalKeysIn(response.raw), []);
  assert.not.ok(response.raw.includes('owner_id'));
});

listing('an empty list is 200 with no tasks', async () => {
  ddb.on(QueryCommand).resolves({ Items: [] });

  const response = await list();

  assert.equal(response.body, { tasks: [], count: 0, next_token: null });
});

listing('exactly `limit` items: no next_token (no empty last page)', async () => {
  ddb.on(QueryCommand).resolves({ Items: items(5) });

  const response = await list({ limit: '5' });

  assert.is(response.body.count, 5);
  assert.is(response.body.next_token, null);
});

listing('one more than `limit`: `limit` items and an opaque next_token', async () => {
  const stored = items(6);
  ddb.on(QueryCommand).resolves({ Items: stored });

  const response = await list({ limit: '5' });

  assert.is(response.body.count, 5);
  assert.is(response.body.tasks.length, 5);
  assert.type(response.body.next_token, 'string');
  assert.match(response.body.next_token, /^[A-Za-z0-9_-]+$/);
  const decoded = Buffer.from(response.body.next_token, 'base64url').toString('latin1');
  assert.not.ok(decoded.includes('USER#'), 'the cursor must be sealed, not just encoded');
  assert.not.ok(decoded.includes('TASK#'));
});

listing('the next_token brings back the last item’s key as ExclusiveStartKey', async () => {
  const stored = items(3);
  ddb.on(QueryCommand).resolves({ Items: stored });
  const first = await list({ limit: '2' });
  ddb.resetHistory();

  const second = await list({ limit: '2', next_token: first.body.next_token });

  assert.is(second.status, 200);
  assert.equal(queryInput()?.ExclusiveStartKey, { PK: stored[1]?.PK, SK: stored[1]?.SK });
});

listing('a page DynamoDB cut short (1 MB read limit) still hands on where it stopped', async () => {
  const stored = items(3);
  const stoppedAt = { PK: stored[2]?.PK, SK: stored[2]?.SK };
  ddb.on(QueryCommand).resolves({ Items: stored, LastEvaluatedKey: stoppedAt });
  const first = await list({ limit: '10' });
  ddb.resetHistory();

  assert.is(first.body.count, 3);
  assert.type(first.body.next_token, 'string');
  await list({ limit: '10', next_token: first.body.next_token });
  assert.equal(queryInput()?.ExclusiveStartKey, stoppedAt);
});

listing('on GSI2 the cursor holds the index keys too', async () => {
  const stored = items(3, 'done');
  ddb.on(QueryCommand).resolves({ Items: stored });
  const first = await list({ status: 'done', limit: '2' });
  ddb.resetHistory();

  await list({ status: 'done', limit: '2', next_token: first.body.next_token });

  const last = stored[1];
  assert.equal(queryInput()?.ExclusiveStartKey, { PK: last?.PK, SK: last?.SK, GSI2PK: last?.GSI2PK, GSI2SK: last?.GSI2SK });
});

for (const limit of ['1', '100']) {
  listing(`?limit=${limit} is accepted and asks for ${Number(limit) + 1}`, async () => {
    const response = await list({ limit });

    assert.is(response.status, 200);
    assert.is(queryInput()?.Limit, Number(limit) + 1);
  });
}

listing.run();

// ---------------------------------------------------------------------------------------------------
const invalid = suite('GET /tasks rejects bad query strings with 400 and sends no Query');
invalid.before.each(resetMocks);

const cases: [string, Record<string, string | string[]>, string[]][] = [
  ['limit=0', { limit: '0' }, ['query.limit']],
  ['limit=101', { limit: '101' }, ['query.limit']],
  ['limit=-1', { limit: '-1' }, ['query.limit']],
  ['limit=1.5', { limit: '1.5' }, ['query.limit']],
  ['limit=ten', { limit: 'ten' }, ['query.limit']],
  ['limit= (empty)', { limit: '' }, ['query.limit']],
  ['limit=1e2', { limit: '1e2' }, ['query.limit']],
  ['status=archived', { status: 'archived' }, ['query.status']],
  ['status=PENDING', { status: 'PENDING' }, ['query.status']],
  ['an unknown parameter', { owner: USER_B }, ['query.owner']],
  ['status given twice', { status: ['pending', 'done'] }, ['query.status']],
  ['limit given twice', { limit: ['5', '5'] }, ['query.limit']],
  ['an empty next_token', { next_token: '' }, ['query.next_token']],
];
for (const [name, query, fields] of cases) {
  invalid(`${name} → ${fields.join(', ')}`, async () => {
    const response = await list(query);

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'validation_failed');
    assert.equal(
      response.body.error.details.map((issue: { field: string }) => issue.field),
      fields,
    );
    assert.is(ddb.calls().length, 0);
  });
}

invalid('a duplicated parameter says it must be given at most once', async () => {
  const response = await list({ status: ['pending', 'pending'] });

  assert.equal(response.body.error.details, [{ field: 'query.status', message: 'must be given at most once' }]);
});

invalid.run();

// ---------------------------------------------------------------------------------------------------
const tokens = suite('GET /tasks next_token is bound to the user and the query');
tokens.before.each(resetMocks);

async function expectRejected(query: Record<string, string>, sub: string = USER_A) {
  const response = await list(query, sub);
  assert.is(response.status, 400);
  assert.is(response.body.error.code, 'validation_failed');
  assert.equal(response.body.error.details, [{ field: 'query.next_token', message: 'is not a valid page token for this query' }]);
  assert.is(ddb.commandCalls(QueryCommand).length, 0, 'no Query with a rejected token');
}

tokens('user B cannot use user A’s token → 400', async () => {
  const token = await tokenFor({ limit: '2' });
  await expectRejected({ limit: '2', next_token: token }, USER_B);
});

tokens('a token from the unfiltered list does not work with ?status= → 400', async () => {
  const token = await tokenFor({ limit: '2' });
  await expectRejected({ status: 'pending', limit: '2', next_token: token });
});

tokens('a token for one status does not work for another → 400', async () => {
  const token = await tokenFor({ status: 'done', limit: '2' }, 'done');
  await expectRejected({ status: 'pending', limit: '2', next_token: token });
});

tokens('an altered token → 400', async () => {
  const token = await tokenFor({ limit: '2' });
  const index = Math.floor(token.length / 2);
  const altered = `${token.slice(0, index)}${token[index] === 'A' ? 'B' : 'A'}${token.slice(index + 1)}`;
  await expectRejected({ limit: '2', next_token: altered });
});

tokens('a truncated token → 400', async () => {
  const token = await tokenFor({ limit: '2' });
  await expectRejected({ limit: '2', next_token: token.slice(0, -4) });
});

for (const forged of [
  'abc',
  Buffer.from(JSON.stringify({ PK: `USER#${USER_B}`, SK: 'TASK#x' })).toString('base64url'),
  Buffer.from(JSON.stringify({ PK: `USER#${USER_B}`, SK: 'TASK#x' })).toString('base64'),
  'x'.repeat(2048),
  '%00%ff',
]) {
  tokens(`a forged token ${JSON.stringify(forged.slice(0, 24))}… → 400, never 500`, async () => {
    await expectRejected({ next_token: forged });
  });
}

tokens('a token longer than 2048 characters → 400', async () => {
  const response = await list({ next_token: 'x'.repeat(2049) });

  assert.is(response.status, 400);
  assert.is(ddb.calls().length, 0);
});

tokens.run();
