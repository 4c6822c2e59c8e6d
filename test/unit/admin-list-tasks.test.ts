import '../support/env.ts';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler } from '../../functions/handlers/admin-list-tasks.ts';
import { handler as listTasks } from '../../functions/handlers/list-tasks.ts';
import { currentPageTokenKey } from '../../functions/config/page-token-key.ts';
import { encodePageToken } from '../../functions/http/page-token.ts';
import type { Task } from '../../functions/tasks/task.ts';
import { ddb, internalKeysIn, makeTask, resetMocks, storedItem, TABLE_NAME } from '../support/ddb.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { foreignKey, idToken, signJwt } from '../support/id-tokens.ts';
import { invoke } from '../support/invoke.ts';

const ADMIN = '33333333-cccc-4ccc-8ccc-333333333333';

/** `groups: null`: no groups in the token and no cognito:groups claim. */
const adminList = (query: Record<string, string | string[]> = {}, groups: readonly string[] | null = ['admin'], sub = ADMIN) =>
  invoke(handler, { method: 'GET', path: '/admin/tasks', query, groups: groups ?? undefined, sub });

/** The queries of the status index's task partitions, in the order they were sent (not the layout record's). */
const shardQueries = () =>
  ddb
    .commandCalls(QueryCommand)
    .map((call) => call.args[0].input)
    .filter((input) => String(input.ExpressionAttributeValues?.[':pk']).startsWith('STATUS#'));
const partitionsQueried = () => shardQueries().map((input) => String(input.ExpressionAttributeValues?.[':pk']));
const shardsOf = (status: string, count: number) => Array.from({ length: count }, (_, shard) => `STATUS#${status}#${shard}`);

/** The table's layout record, as `make reshard` leaves it. */
function layoutIs(record: Record<string, unknown>) {
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'META#STATUS_INDEX_LAYOUT' } }).resolves({
    Items: [{ PK: 'META', SK: 'STATUS_INDEX_LAYOUT', GSI1PK: 'META#STATUS_INDEX_LAYOUT', GSI1SK: 'LAYOUT', ...record }],
  });
}

/** Tasks stored in the status index, each answered by the query of its own partition, newest first. */
function stored(entries: Array<[owner: string, task: Task]>) {
  const items = entries.map(([owner, task]) => storedItem(owner, task));
  for (const partition of new Set(items.map((item) => String(item.GSI1PK)))) {
    const sorted = items.filter((item) => item.GSI1PK === partition).sort((a, b) => String(b.GSI1SK).localeCompare(String(a.GSI1SK)));
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': partition } })
      .callsFake((input: { ExpressionAttributeValues: { ':after'?: string }; Limit: number }) => {
        const after = input.ExpressionAttributeValues[':after'];
        const rest = sorted.filter((item) => after === undefined || String(item.GSI1SK) < after);
        return { Items: rest.slice(0, input.Limit), ...(rest.length > input.Limit ? { LastEvaluatedKey: { PK: 'x' } } : {}) };
      });
  }
  return items;
}

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
    assert.ok(shardQueries().length > 0);
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
const listing = suite('GET /admin/tasks reads every shard of the status index as one page');
listing.before.each(resetMocks);

listing('with no layout record: one Query per shard and one for the unsharded partition, each newest first for limit+1', async () => {
  await adminList();

  assert.equal(partitionsQueried().sort(), ['STATUS#pending', ...shardsOf('pending', 8)].sort());
  for (const input of shardQueries()) {
    assert.equal(input, {
      TableName: TABLE_NAME,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': input.ExpressionAttributeValues?.[':pk'] },
      ScanIndexForward: false,
      Limit: 51,
    });
  }
  assert.equal(
    ddb.calls().map((call) => (call.args[0] as object).constructor.name),
    Array(10).fill('QueryCommand'),
    'the layout record and the nine partitions, nothing else',
  );
});

listing('a settled layout of 8 shards: exactly the 8 shard partitions; ?status=done&limit=3 asks each for 4', async () => {
  layoutIs({ state: 'settled', shards: 8 });

  await adminList({ status: 'done', limit: '3' });

  assert.equal(partitionsQueried().sort(), shardsOf('done', 8).sort());
  assert.ok(shardQueries().every((input) => input.Limit === 4 && input.FilterExpression === undefined));
});

listing('a layout settled at another count than the configured one: both sets of partitions, each once', async () => {
  layoutIs({ state: 'settled', shards: 12 });

  await adminList();

  assert.equal(partitionsQueried().sort(), shardsOf('pending', 12).sort());
});

listing('during a move from 1 to 8 shards: the partition tasks leave is read before the ones they enter', async () => {
  layoutIs({ state: 'moving', from: 1, shards: 8, moved: 10, batches: 1 });

  await adminList();

  assert.equal(partitionsQueried()[0], 'STATUS#pending');
  assert.equal(partitionsQueried().slice(1).sort(), shardsOf('pending', 8).sort());
});

listing('during a move from 8 to 4 shards: shards 4-7 first, then shards 0-3', async () => {
  layoutIs({ state: 'moving', from: 8, shards: 4, moved: 0, batches: 0 });

  await adminList();

  assert.equal(partitionsQueried().slice(0, 4).sort(), shardsOf('pending', 8).slice(4).sort());
  assert.equal(partitionsQueried().slice(4).sort(), shardsOf('pending', 4).sort());
});

listing('merges the shards newest first (same millisecond: by task id) into one page, with owners and no storage keys', async () => {
  layoutIs({ state: 'settled', shards: 8 });
  const at = '2026-01-02T03:04:05.678Z';
  const tasks = [
    makeTask({ created_at: '2026-01-02T03:04:05.679Z' }),
    ...Array.from({ length: 6 }, () => makeTask({ created_at: at })),
    makeTask({ created_at: '2026-01-01T00:00:00.000Z' }),
  ];
  stored(tasks.map((task, index) => [index % 2 ? USER_A : USER_B, task]));

  const response = await adminList({ limit: '5' });

  const expected = [...tasks].sort((a, b) => (b.created_at + b.task_id).localeCompare(a.created_at + a.task_id)).slice(0, 5);
  assert.equal(
    response.body.tasks.map((task: Task) => task.task_id),
    expected.map((task) => task.task_id),
  );
  assert.is(response.body.count, 5);
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
  assert.type(response.body.next_token, 'string');
});

listing('next_token resumes every shard strictly after the last task returned, until the last page', async () => {
  layoutIs({ state: 'settled', shards: 8 });
  const tasks = Array.from({ length: 9 }, (_, index) => makeTask({ created_at: `2026-01-0${index + 1}T00:00:00.000Z` }));
  stored(tasks.map((task) => [USER_A, task]));
  const first = await adminList({ limit: '4' });
  ddb.resetHistory();

  const second = await adminList({ limit: '4', next_token: first.body.next_token });

  const lastOfFirst = first.body.tasks.at(-1) as Task;
  for (const input of shardQueries()) {
    assert.is(input.KeyConditionExpression, 'GSI1PK = :pk AND GSI1SK < :after');
    assert.is(input.ExpressionAttributeValues?.[':after'], `${lastOfFirst.created_at}#${lastOfFirst.task_id}`);
  }
  const third = await adminList({ limit: '4', next_token: second.body.next_token });
  const ids = [first, second, third].flatMap((page) => page.body.tasks.map((task: Task) => task.task_id));
  assert.equal(ids, tasks.map((task) => task.task_id).reverse());
  assert.is(third.body.count, 1);
  assert.is(third.body.next_token, null);
});

listing(
  'a pre-sharding task at the cursor: the cursor’s own task is dropped (reading on if that empties the read), its same-millisecond neighbours kept',
  async () => {
    layoutIs({ state: 'settled', shards: 1 });
    const at = '2026-01-02T03:04:05.678Z';
    const [first, second, third] = ['01J00000000000000000000003', '01J00000000000000000000002', '01J00000000000000000000001'].map((id) =>
      makeTask({ task_id: id, created_at: at }),
    ) as [Task, Task, Task];
    const older = makeTask({ created_at: '2026-01-01T00:00:00.000Z' });
    // As stored before sharding: one partition, the sort key the creation time alone, so all three tie.
    const legacy = (task: Task) => ({ ...storedItem(USER_A, task), GSI1PK: 'STATUS#pending', GSI1SK: task.created_at });
    const secret = await currentPageTokenKey();
    const token = encodePageToken({ after: `${at}#${second.task_id}` }, { query: 'adminListTasks:pending', userId: ADMIN }, secret);
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'STATUS#pending' } })
      .resolvesOnce({ Items: [legacy(second)], LastEvaluatedKey: { PK: 'next' } })
      .resolvesOnce({ Items: [legacy(first), legacy(third), legacy(older)] });

    const response = await adminList({ limit: '2', next_token: token });

    assert.equal(
      response.body.tasks.map((task: Task) => task.task_id),
      [first.task_id, third.task_id],
      'the tie that may already have been shown is shown again rather than lost; the cursor’s own task is not',
    );
    const unsharded = shardQueries().filter((input) => input.ExpressionAttributeValues?.[':pk'] === 'STATUS#pending');
    assert.equal(
      unsharded.map((input) => input.ExclusiveStartKey),
      [undefined, { PK: 'next' }],
    );
    assert.type(response.body.next_token, 'string');
  },
);

listing('a token for another status, another admin or the user list → 400', async () => {
  stored([
    [USER_A, makeTask()],
    [USER_B, makeTask()],
  ]);
  ddb.on(QueryCommand, { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)' }).resolves({
    Items: [storedItem(ADMIN, makeTask()), storedItem(ADMIN, makeTask())],
  });
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

listing('a genuine token whose cursor is not a status-index position (one from before sharding) → 400, nothing read', async () => {
  const secret = await currentPageTokenKey();
  const binding = { query: 'adminListTasks:pending', userId: ADMIN };
  const legacy = {
    PK: `USER#${USER_A}`,
    SK: 'TASK#01J00000000000000000000001',
    GSI1PK: 'STATUS#pending',
    GSI1SK: '2026-01-01T00:00:00.000Z',
  };

  for (const cursor of [legacy, { after: '2026-01-01T00:00:00.000Z' }, { after: 'x', extra: 1 }, { after: 42 }]) {
    const response = await adminList({ next_token: encodePageToken(cursor, binding, secret) });

    assert.is(response.status, 400, JSON.stringify(cursor));
    assert.equal(response.body.error.details, [{ field: 'query.next_token', message: 'is not a valid page token for this query' }]);
  }
  assert.is(shardQueries().length, 0);
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
