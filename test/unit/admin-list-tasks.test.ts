import '../support/env.ts';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/admin-list-tasks.ts';
import { handler as listTasks } from '../../functions/handlers/list-tasks.ts';
import { ddb, internalKeysIn, makeTask, resetMocks, storedItem, TABLE_NAME } from '../support/ddb.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { foreignKey, idToken, signJwt } from '../support/id-tokens.ts';
import { invoke } from '../support/invoke.ts';

const ADMIN = '33333333-cccc-4ccc-8ccc-333333333333';

/** `groups: null`: no groups in the token and no cognito:groups claim. */
const adminList = (query: Record<string, string | string[]> = {}, groups: readonly string[] | null = ['admin'], sub = ADMIN) =>
  invoke(handler, { method: 'GET', path: '/admin/tasks', query, groups: groups ?? undefined, sub });

const queryInput = () => ddb.commandCalls(QueryCommand)[0]?.args[0].input;

function assertForbidden(response: Awaited<ReturnType<typeof adminList>>) {
  assert.is(response.status, 403);
  assert.is(response.body.error.code, 'forbidden');
  assert.is(response.body.request_id, 'req-test-1');
  assert.is(ddb.calls().length, 0);
}

// ---------------------------------------------------------------------------------------------------
const access = suite('GET /admin/tasks is for the admin group only');
access.before.each(resetMocks);

for (const groups of [['admin'], ['admin', 'editors'], ['editors', 'admin']]) {
  access(`a token in groups ${JSON.stringify(groups)} → 200`, async () => {
    const response = await adminList({}, groups);

    assert.is(response.status, 200);
    assert.is(ddb.commandCalls(QueryCommand).length, 1);
  });
}

for (const groups of [null, [], ['editors'], ['administrators'], ['Admin'], ['admin '], ['admins', 'editors']]) {
  access(`a token in groups ${JSON.stringify(groups)} → 403 forbidden, nothing read`, async () => {
    assertForbidden(await adminList({}, groups));
  });
}

/**
 * Every form in which API Gateway may pass `cognito:groups` (REST comma-joined, the bracketed space list
 * HTTP APIs show, a JSON array), for groups whose names hold those separators. Whatever the claim text
 * says, membership is the token's array, matched exactly.
 */
const AMBIGUOUS: Array<{ groups: string[]; claims: string[]; admin: boolean }> = [
  { groups: ['readers,admin'], claims: ['readers,admin', '[readers,admin]', '["readers,admin"]'], admin: false },
  { groups: ['[admin]'], claims: ['[admin]', '[[admin]]', '["[admin]"]'], admin: false },
  { groups: ['["admin"]'], claims: ['["admin"]', '[["admin"]]'], admin: false },
  { groups: ['readers', 'admin'], claims: ['readers,admin', '[readers admin]', '["readers","admin"]'], admin: true },
  { groups: ['admin'], claims: ['admin', '[admin]', '["admin"]'], admin: true },
];
for (const { groups, claims, admin } of AMBIGUOUS) {
  for (const groupsClaim of claims) {
    access(`groups ${JSON.stringify(groups)} passed as ${JSON.stringify(groupsClaim)} → ${admin ? 200 : 403}`, async () => {
      const response = await invoke(handler, { path: '/admin/tasks', sub: ADMIN, groups, groupsClaim });

      if (admin) assert.is(response.status, 200);
      else assertForbidden(response);
    });
  }
}

access('the claims alone grant nothing: "admin" in cognito:groups with a token that is not in the group → 403', async () => {
  assertForbidden(await invoke(handler, { path: '/admin/tasks', sub: ADMIN, groups: ['editors'], groupsClaim: 'admin' }));
  assertForbidden(await invoke(handler, { path: '/admin/tasks', sub: ADMIN, groupsClaim: 'admin' }));
});

access('a token that is not a valid ID token of the pool for this caller grants nothing', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: ADMIN, token_use: 'id', 'cognito:groups': ['admin'], iat: now, exp: now + 3600 };
  const [header, payload] = idToken(ADMIN, ['admin']).split('.');
  for (const [name, token] of [
    ['another user’s admin token', idToken(USER_B, ['admin'])],
    ['an access token', idToken(ADMIN, ['admin'], { token_use: 'access' })],
    ['an expired token', idToken(ADMIN, ['admin'], { exp: now - 60 })],
    ['a token signed by another key', signJwt(claims, foreignKey())],
    ['a token without its signature', `${header}.${payload}.`],
    ['alg none', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`],
    ['garbage', 'not-a-token'],
  ] as const) {
    resetMocks();
    const response = await invoke(handler, { path: '/admin/tasks', sub: ADMIN, groupsClaim: 'admin', headers: { Authorization: token } });
    assert.is(response.status, 403, name);
    assert.is(ddb.calls().length, 0, name);
  }
});

access('the token may come raw or after Bearer, as the authorizer takes it', async () => {
  const response = await invoke(handler, {
    path: '/admin/tasks',
    sub: ADMIN,
    headers: { Authorization: `Bearer ${idToken(ADMIN, ['admin'])}` },
  });

  assert.is(response.status, 200);
});

access('a non-admin gets 403 even with an invalid query (authorisation comes first)', async () => {
  const response = await adminList({ status: 'bogus' }, ['editors']);

  assert.is(response.status, 403);
});

access('no caller at all → 401, nothing read', async () => {
  const response = await invoke(handler, {
    path: '/admin/tasks',
    sub: null,
    groups: ['admin'],
    headers: { Authorization: idToken(ADMIN, ['admin']) },
  });

  assert.is(response.status, 401);
  assert.is(ddb.calls().length, 0);
});

access.run();

// ---------------------------------------------------------------------------------------------------
const listing = suite('GET /admin/tasks queries GSI1 by status');
listing.before.each(resetMocks);

listing('defaults to status=pending: one key-condition Query on GSI1, newest first, limit+1', async () => {
  await adminList();

  assert.is(ddb.calls().length, 1);
  assert.equal(queryInput(), {
    TableName: TABLE_NAME,
    IndexName: 'GSI1',
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': 'STATUS#pending' },
    ScanIndexForward: false,
    Limit: 51,
    ExclusiveStartKey: undefined,
  });
});

listing('?status=done&limit=3 → GSI1PK STATUS#done, Limit 4', async () => {
  await adminList({ status: 'done', limit: '3' });

  assert.equal(queryInput()?.ExpressionAttributeValues, { ':pk': 'STATUS#done' });
  assert.is(queryInput()?.Limit, 4);
  assert.is(queryInput()?.FilterExpression, undefined);
});

listing('tasks carry their owner_id, never the storage keys', async () => {
  const stored = [storedItem(USER_A, makeTask()), storedItem(USER_B, makeTask())];
  ddb.on(QueryCommand).resolves({ Items: stored });

  const response = await adminList();

  assert.is(response.status, 200);
  assert.is(response.body.count, 2);
  assert.equal(
    response.body.tasks.map((task: { owner_id: string }) => task.owner_id),
    [USER_A, USER_B],
  );
  assert.equal(Object.keys(response.body.tasks[0]).sort(), [
    'created_at',
    'description',
    'owner_id',
    'status',
    'task_id',
    'title',
    'updated_at',
    'version',
  ]);
  assert.equal(internalKeysIn(response.raw), []);
});

listing('pages: next_token when there is more, and it comes back as the GSI1 key', async () => {
  const stored = [storedItem(USER_A, makeTask()), storedItem(USER_B, makeTask()), storedItem(USER_A, makeTask())];
  ddb.on(QueryCommand).resolves({ Items: stored });
  const first = await adminList({ limit: '2' });
  ddb.resetHistory();

  const second = await adminList({ limit: '2', next_token: first.body.next_token });

  assert.type(first.body.next_token, 'string');
  assert.is(second.status, 200);
  const last = stored[1];
  assert.equal(queryInput()?.ExclusiveStartKey, { PK: last?.PK, SK: last?.SK, GSI1PK: last?.GSI1PK, GSI1SK: last?.GSI1SK });
});

listing('a token for another status, another admin or the user list → 400', async () => {
  ddb.on(QueryCommand).resolves({ Items: [storedItem(USER_A, makeTask()), storedItem(USER_B, makeTask())] });
  const adminToken = (await adminList({ limit: '1' })).body.next_token as string;
  const userToken = (await invoke(listTasks, { path: '/tasks', query: { limit: '1' }, sub: ADMIN })).body.next_token as string;
  ddb.resetHistory();

  const otherStatus = await adminList({ status: 'done', limit: '1', next_token: adminToken });
  const otherAdmin = await adminList({ limit: '1', next_token: adminToken }, ['admin'], USER_B);
  const otherRoute = await adminList({ limit: '1', next_token: userToken });

  for (const response of [otherStatus, otherAdmin, otherRoute]) {
    assert.is(response.status, 400);
    assert.equal(
      response.body.error.details.map((issue: { field: string }) => issue.field),
      ['query.next_token'],
    );
  }
  assert.is(ddb.calls().length, 0);
});

for (const [name, query, field] of [
  ['an unknown status', { status: 'archived' }, 'query.status'],
  ['limit=0', { limit: '0' }, 'query.limit'],
  ['an unknown parameter', { owner_id: USER_A }, 'query.owner_id'],
  ['status twice', { status: ['pending', 'done'] }, 'query.status'],
] as const) {
  listing(`${name} → 400 ${field}`, async () => {
    const response = await adminList(query as Record<string, string | string[]>);

    assert.is(response.status, 400);
    assert.equal(
      response.body.error.details.map((issue: { field: string }) => issue.field),
      [field],
    );
    assert.is(ddb.calls().length, 0);
  });
}

listing.run();
