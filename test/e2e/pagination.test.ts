/** Paging through 120 tasks over HTTP: every task exactly once, newest first, also with ?status=. */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodePageToken, encodePageToken, type PageTokenKey } from '../../functions/http/page-token.ts';
import { secretsDir } from '../../local/server.ts';
import { createTask, createUser, type Fixture, http, inBatches, startStack, stopStack, type User } from './support/stack.ts';

const TOTAL = 120;
const STATUSES = ['pending', 'in_progress', 'done'] as const;

interface Context {
  fx: Fixture;
  owner: User;
  other: User;
  admin: User;
  created: { task_id: string; status: string }[];
}
const pagination = suite<Context>('pagination over HTTP');

pagination.before(async (context) => {
  context.fx = await startStack();
  [context.owner, context.other, context.admin] = await Promise.all([
    createUser(context.fx.stack, 'pager'),
    createUser(context.fx.stack, 'other'),
    createUser(context.fx.stack, 'pager-admin', { admin: true }),
  ]);
  context.created = await inBatches(
    Array.from({ length: TOTAL }, (_, index) => index),
    8,
    (index) => createTask(context.fx.stack, context.owner, { title: `task ${index}`, status: STATUSES[index % 3] }),
  );
  // Someone else's tasks must never show up in the owner's pages.
  await inBatches([0, 1, 2, 3, 4], 5, (index) => createTask(context.fx.stack, context.other, { title: `other ${index}` }));
});
pagination.after(async ({ fx }) => stopStack(fx));

async function allPages(context: Context, query: Record<string, string>, token = context.owner.idToken, path = '/tasks') {
  const pages: { tasks: { task_id: string; created_at: string; status: string }[]; count: number; next_token: string | null }[] = [];
  let nextToken: string | undefined;
  do {
    const result = await http(context.fx.stack, 'GET', path, { token, query: { ...query, next_token: nextToken } });
    assert.is(result.status, 200, result.text);
    pages.push(result.json);
    nextToken = result.json.next_token ?? undefined;
    assert.ok(pages.length <= TOTAL, 'pagination terminates');
  } while (nextToken);
  return pages;
}

function isNewestFirst(tasks: { task_id: string; created_at: string }[]): boolean {
  return tasks.every((task, index) => index === 0 || (tasks[index - 1] as { task_id: string }).task_id > task.task_id);
}

pagination('120 tasks in pages of 25: five pages, every task exactly once, newest first', async (context) => {
  const pages = await allPages(context, { limit: '25' });
  assert.equal(
    pages.map((page) => page.count),
    [25, 25, 25, 25, 20],
  );
  for (const page of pages) assert.is(page.tasks.length, page.count);
  const ids = pages.flatMap((page) => page.tasks.map((task) => task.task_id));
  assert.is(new Set(ids).size, TOTAL, 'no duplicates');
  assert.equal([...ids].sort(), context.created.map((task) => task.task_id).sort(), 'no gaps and nobody else’s tasks');
  assert.ok(isNewestFirst(pages.flatMap((page) => page.tasks)), 'newest first across page boundaries');
  assert.is(pages.at(-1)?.next_token, null);
});

pagination('the default page is 50 tasks', async (context) => {
  const result = await http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken });
  assert.is(result.json.count, 50);
  assert.type(result.json.next_token, 'string');
});

pagination('with ?status= the pages hold exactly that status’s tasks', async (context) => {
  for (const status of STATUSES) {
    const pages = await allPages(context, { status, limit: '7' });
    const tasks = pages.flatMap((page) => page.tasks);
    const expected = context.created.filter((task) => task.status === status).map((task) => task.task_id);
    assert.is(tasks.length, expected.length, status);
    assert.equal(tasks.map((task) => task.task_id).sort(), expected.sort(), status);
    assert.ok(tasks.every((task) => task.status === status));
    assert.ok(isNewestFirst(tasks));
  }
});

pagination('a next_token only works for the query and user it was issued for', async (context) => {
  const first = await http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken, query: { limit: '10' } });
  const token = first.json.next_token as string;
  const otherUser = await http(context.fx.stack, 'GET', '/tasks', {
    token: context.other.idToken,
    query: { limit: '10', next_token: token },
  });
  assert.is(otherUser.status, 400, otherUser.text);
  const otherQuery = await http(context.fx.stack, 'GET', '/tasks', {
    token: context.owner.idToken,
    query: { limit: '10', status: 'done', next_token: token },
  });
  assert.is(otherQuery.status, 400, otherQuery.text);
  const forged = await http(context.fx.stack, 'GET', '/tasks', {
    token: context.owner.idToken,
    query: { next_token: `${token.slice(0, -4)}AAAA` },
  });
  assert.is(forged.status, 400, forged.text);
  assert.is(forged.json.error.code, 'validation_failed');
});

pagination('limit outside 1..100 is a validation error', async (context) => {
  for (const limit of ['0', '101', 'ten', '-1']) {
    const result = await http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken, query: { limit } });
    assert.is(result.status, 400, `limit=${limit}`);
    assert.is(result.json.error.code, 'validation_failed');
  }
});

pagination('the admin list pages through every user’s tasks of a status, each once, with owners', async (context) => {
  const pages = await allPages(context, { status: 'pending', limit: '15' }, context.admin.idToken, '/admin/tasks');
  const tasks = pages.flatMap((page) => page.tasks as { task_id: string; created_at: string; status: string; owner_id?: string }[]);
  const ownersPending = context.created.filter((task) => task.status === 'pending').map((task) => task.task_id);
  assert.is(new Set(tasks.map((task) => task.task_id)).size, tasks.length, 'no duplicates');
  assert.is(tasks.length, ownersPending.length + 5, 'the owner’s 40 pending tasks and the other user’s 5');
  for (const id of ownersPending)
    assert.ok(
      tasks.some((task) => task.task_id === id && task.owner_id === context.owner.sub),
      id,
    );
  assert.is(tasks.filter((task) => task.owner_id === context.other.sub).length, 5);
  assert.ok(tasks.every((task) => task.status === 'pending'));
  assert.ok(isNewestFirst(tasks));
});

pagination('an admin page token is not accepted by the user list, nor a user page token by the admin list', async (context) => {
  const admin = await http(context.fx.stack, 'GET', '/admin/tasks', { token: context.admin.idToken, query: { limit: '5' } });
  const user = await http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken, query: { limit: '5' } });
  const adminTokenOnUserList = await http(context.fx.stack, 'GET', '/tasks', {
    token: context.admin.idToken,
    query: { limit: '5', next_token: admin.json.next_token },
  });
  const userTokenOnAdminList = await http(context.fx.stack, 'GET', '/admin/tasks', {
    token: context.admin.idToken,
    query: { limit: '5', next_token: user.json.next_token },
  });
  assert.is(adminTokenOnUserList.status, 400, adminTokenOnUserList.text);
  assert.is(userTokenOnAdminList.status, 400, userTokenOnAdminList.text);
});

/** The stack's page-token key of `version`, derived from the data folder's root key as the functions derive it. */
async function stackKey(context: Context, version: number): Promise<PageTokenKey> {
  const root = Buffer.from((await readFile(join(secretsDir(context.fx.dataDir), 'page-token-key'), 'utf8')).trim(), 'base64');
  return { version, secret: createHmac('sha256', root).update(`task-api/page-token/v${version}`).digest() };
}

pagination('a page token is honoured for 24 hours: an older one is 400 with a message that says so', async (context) => {
  const first = await http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken, query: { limit: '5' } });
  const binding = { query: 'listTasks:*', userId: context.owner.sub };
  const key = await stackKey(context, 1);
  const cursor = decodePageToken(first.json.next_token, binding, key);
  const page = (nextToken: string) =>
    http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken, query: { limit: '5', next_token: nextToken } });

  const almostADay = await page(encodePageToken(cursor, binding, key, new Date(Date.now() - 23.9 * 3600_000)));
  assert.is(almostADay.status, 200, almostADay.text);
  const stale = await page(encodePageToken(cursor, binding, key, new Date(Date.now() - 24.1 * 3600_000)));
  assert.is(stale.status, 400, stale.text);
  assert.equal(stale.json.error.details, [{ field: 'query.next_token', message: 'has expired: list again from the first page' }]);
});

pagination('a token sealed with a key version the stack does not hold is a 400, never a 500', async (context) => {
  const first = await http(context.fx.stack, 'GET', '/tasks', { token: context.owner.idToken, query: { limit: '5' } });
  const binding = { query: 'listTasks:*', userId: context.owner.sub };
  const cursor = decodePageToken(first.json.next_token, binding, await stackKey(context, 1));
  for (const version of [0, 2, 255]) {
    const token = encodePageToken(cursor, binding, await stackKey(context, version));
    const result = await http(context.fx.stack, 'GET', '/tasks', {
      token: context.owner.idToken,
      query: { limit: '5', next_token: token },
    });
    assert.is(result.status, 400, `version ${version}: ${result.text}`);
    assert.is(result.json.error.code, 'validation_failed');
  }
});

pagination.run();
