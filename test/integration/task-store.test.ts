/**
 * The task service and its DynamoDB repository against the embedded engine, with the real table design:
 * the key conditions, indexes, conditional writes and cursors do what the unit tests assume they do.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDynamoDbTaskStore } from '../../functions/dynamodb/task-store.ts';
import { NotFoundError, PreconditionFailedError } from '../../functions/tasks/errors.ts';
import type { TaskRepository } from '../../functions/tasks/repository.ts';
import { createTaskService, fingerprintOf, type TaskService } from '../../functions/tasks/service.ts';
import type { Task } from '../../functions/tasks/task.ts';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from './embedded-dynamodb.ts';

interface Context {
  db: EmbeddedDynamoDb;
  table: string;
  repository: TaskRepository;
  service: TaskService;
  clock: { now: Date };
}

const store = suite<Context>('task store on the embedded engine');

store.before(async (context) => {
  context.db = await startEmbeddedDynamoDb();
});

store.before.each(async (context) => {
  context.table = `tasks-${randomUUID()}`;
  await context.db.createTable(context.table);
  context.repository = createDynamoDbTaskStore(context.db.client, context.table, { statusShards: 8 });
  context.clock = { now: new Date('2026-01-01T00:00:00.000Z') };
  context.service = createTaskService({ repository: context.repository, now: () => context.clock.now, newId: monotonicFactory() });
});

store.after(async (context) => {
  await context.db.stop();
});

const input = (title: string, status: Task['status'] = 'pending') => ({ title, description: '', status });
const tick = (context: Context) => {
  context.clock.now = new Date(context.clock.now.getTime() + 1000);
};

async function createMany(context: Context, owner: string, count: number, status?: Task['status']): Promise<Task[]> {
  const created: Task[] = [];
  for (let index = 0; index < count; index++) {
    tick(context);
    created.push((await context.service.create(owner, input(`task ${index}`, status))).task);
  }
  return created;
}

store('a created task reads back as it was written, without storage attributes', async (context) => {
  const { task } = await context.service.create('alice', { title: 'Buy milk', description: 'semi-skimmed', status: 'pending' });
  const read = await context.service.get('alice', task.task_id);
  assert.equal(read, task);
  assert.equal(Object.keys(read).sort(), ['created_at', 'description', 'status', 'task_id', 'title', 'updated_at', 'version']);
});

store("another user's task is not found", async (context) => {
  const { task } = await context.service.create('alice', input('private'));
  try {
    await context.service.get('bob', task.task_id);
    assert.unreachable('bob read alice’s task');
  } catch (error) {
    assert.instance(error, NotFoundError);
  }
});

store('lists a user’s tasks newest first across pages, with no duplicates or gaps', async (context) => {
  const created = await createMany(context, 'alice', 23);
  await createMany(context, 'bob', 3);
  const seen: string[] = [];
  let cursor: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const page = await context.service.list('alice', { limit: 5, cursor });
    seen.push(...page.items.map((task) => task.task_id));
    cursor = page.cursor;
    pages++;
  } while (cursor);
  assert.equal(seen, created.map((task) => task.task_id).reverse());
  assert.is(pages, 5, 'the last page has no cursor, so there is no empty page at the end');
});

store('an exact multiple of the page size ends without a cursor', async (context) => {
  await createMany(context, 'alice', 4);
  const first = await context.service.list('alice', { limit: 2 });
  assert.ok(first.cursor);
  const second = await context.service.list('alice', { limit: 2, cursor: first.cursor });
  assert.is(second.items.length, 2);
  assert.is(second.cursor, undefined);
});

store('the status filter reads only tasks with that status, through the user-status index', async (context) => {
  const pending = await createMany(context, 'alice', 3, 'pending');
  const done = await createMany(context, 'alice', 2, 'done');
  const page = await context.service.list('alice', { limit: 10 }, 'done');
  assert.equal(
    page.items.map((task) => task.task_id),
    done.map((task) => task.task_id).reverse(),
  );
  const all = await context.service.list('alice', { limit: 10 });
  assert.is(all.items.length, pending.length + done.length);
});

store('changing the status moves the task between both status indexes in one update', async (context) => {
  const { task } = await context.service.create('alice', input('ship it'));
  tick(context);
  const updated = await context.service.update('alice', task.task_id, { status: 'done' });
  assert.is(updated.version, 2);
  assert.is(updated.status, 'done');
  assert.is(updated.updated_at, context.clock.now.toISOString());
  assert.is(updated.created_at, task.created_at);
  assert.is((await context.service.list('alice', { limit: 10 }, 'pending')).items.length, 0);
  assert.equal(
    (await context.service.list('alice', { limit: 10 }, 'done')).items.map((found) => found.task_id),
    [task.task_id],
  );
  assert.is((await context.service.listAll('pending', { limit: 10 })).items.length, 0);
  assert.equal(
    (await context.service.listAll('done', { limit: 10 })).items.map((found) => found.task_id),
    [task.task_id],
  );
});

store('the admin view lists every user’s tasks with one status, newest first, with owners', async (context) => {
  const alices = await createMany(context, 'alice', 2);
  const bobs = await createMany(context, 'bob', 2);
  await createMany(context, 'bob', 1, 'done');
  const page = await context.service.listAll('pending', { limit: 3 });
  assert.equal(
    page.items.map((task) => [task.owner_id, task.task_id]),
    [
      ['bob', bobs[1]?.task_id],
      ['bob', bobs[0]?.task_id],
      ['alice', alices[1]?.task_id],
    ],
  );
  const next = await context.service.listAll('pending', { limit: 3, cursor: page.cursor });
  assert.equal(
    next.items.map((task) => task.task_id),
    [alices[0]?.task_id],
  );
  assert.is(next.cursor, undefined);
});

store('an update with a stale version fails with 412 and changes nothing', async (context) => {
  const { task } = await context.service.create('alice', input('v1'));
  await context.service.update('alice', task.task_id, { title: 'v2' }, 1);
  try {
    await context.service.update('alice', task.task_id, { title: 'stale' }, 1);
    assert.unreachable('stale update went through');
  } catch (error) {
    assert.instance(error, PreconditionFailedError);
  }
  const current = await context.service.get('alice', task.task_id);
  assert.is(current.title, 'v2');
  assert.is(current.version, 2);
});

store('updating or deleting a missing task is not found, with or without a version', async (context) => {
  for (const attempt of [
    () => context.service.update('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV', { title: 'x' }),
    () => context.service.update('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV', { title: 'x' }, 1),
    () => context.service.remove('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
    () => context.service.remove('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 1),
  ]) {
    try {
      await attempt();
      assert.unreachable('a missing task was changed');
    } catch (error) {
      assert.instance(error, NotFoundError);
    }
  }
});

store('update or delete of another user’s task is not found and leaves it intact', async (context) => {
  const { task } = await context.service.create('alice', input('mine'));
  for (const attempt of [
    () => context.service.update('bob', task.task_id, { title: 'theirs' }),
    () => context.service.remove('bob', task.task_id),
  ]) {
    try {
      await attempt();
      assert.unreachable();
    } catch (error) {
      assert.instance(error, NotFoundError);
    }
  }
  assert.equal(await context.service.get('alice', task.task_id), task);
});

store('a delete with the current version removes the task; with a stale one it is refused', async (context) => {
  const { task } = await context.service.create('alice', input('old'));
  await context.service.update('alice', task.task_id, { description: 'edited' });
  try {
    await context.service.remove('alice', task.task_id, 1);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, PreconditionFailedError);
  }
  await context.service.remove('alice', task.task_id, 2);
  assert.is(await context.repository.get('alice', task.task_id), undefined);
});

store('an idempotent replay returns the same task and stores one task', async (context) => {
  const first = await context.service.create('alice', input('once'), 'key-1');
  tick(context);
  const replay = await context.service.create('alice', input('once'), 'key-1');
  assert.is(replay.replayed, true);
  assert.equal(replay.task, first.task);
  assert.is((await context.service.list('alice', { limit: 10 })).items.length, 1);
});

store('the same idempotency key used by two users creates two tasks', async (context) => {
  const alices = await context.service.create('alice', input('same'), 'shared-key');
  const bobs = await context.service.create('bob', input('same'), 'shared-key');
  assert.is.not(alices.task.task_id, bobs.task.task_id);
  assert.is(bobs.replayed, false);
});

store('a replay that finds the key claimed but the create unfinished finishes it and marks it done', async (context) => {
  const orphan = { task_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', ...input('crashed'), created_at: 'x', updated_at: 'x', version: 1 };
  // A first request that died between claiming the key and writing the task.
  const claim = { key: 'key-2', fingerprint: fingerprintOf(input('crashed')), task: orphan, expiresAt: 4102444800, completed: false };
  assert.is(await context.repository.claimIdempotencyKey('alice', claim, context.clock.now), undefined);
  context.clock.now = new Date(context.clock.now.getTime() + 3_600_000);
  const replay = await context.service.create('alice', input('crashed'), 'key-2');
  assert.is(replay.task.task_id, orphan.task_id);
  assert.ok(await context.repository.get('alice', orphan.task_id));
  const record = await context.db.client.send(
    new GetCommand({ TableName: context.table, Key: { PK: 'USER#alice', SK: 'IDEMPOTENCY#key-2' } }),
  );
  assert.is(record.Item?.completed, true);
});

store('a replay after the task was deleted does not bring it back', async (context) => {
  const { task } = await context.service.create('alice', input('gone'), 'key-3');
  await context.service.remove('alice', task.task_id);
  tick(context);
  const replay = await context.service.create('alice', input('gone'), 'key-3');
  assert.is(replay.task.task_id, task.task_id);
  assert.is(await context.repository.get('alice', task.task_id), undefined);
});

store('idempotency records expire by TTL and are invisible to task queries', async (context) => {
  await context.service.create('alice', input('with key'), 'key-4');
  const record = await context.db.client.send(
    new GetCommand({ TableName: context.table, Key: { PK: 'USER#alice', SK: 'IDEMPOTENCY#key-4' } }),
  );
  assert.type(record.Item?.expires_at, 'number');
  const items = await context.db.client.send(
    new QueryCommand({ TableName: context.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'USER#alice' } }),
  );
  assert.is(items.Items?.length, 3, 'the task, its idempotency record and the task counter share the partition');
  assert.is((await context.service.list('alice', { limit: 10 })).items.length, 1);
});

store('the task counter: parallel reservations never pass the limit, releases never go below zero', async (context) => {
  const results = await Promise.all(Array.from({ length: 20 }, () => context.repository.reserveTaskSlot('counted', 5)));
  assert.is(results.filter(Boolean).length, 5);
  const counterKey = (user: string) => ({ TableName: context.table, Key: { PK: `USER#${user}`, SK: 'QUOTA' }, ConsistentRead: true });
  const counter = async () => (await context.db.client.send(new GetCommand(counterKey('counted')))).Item?.task_count;
  assert.is(await counter(), 5);
  await Promise.all(Array.from({ length: 8 }, () => context.repository.releaseTaskSlot('counted')));
  assert.is(await counter(), 0);
  await context.repository.releaseTaskSlot('nobody');
  assert.is((await context.db.client.send(new GetCommand(counterKey('nobody')))).Item, undefined, 'no counter is made by a release');
});

store('the counter item is invisible to task queries (the list and both indexes)', async (context) => {
  await context.service.create('alice', { title: 'Counted', description: '', status: 'pending' });
  assert.is((await context.service.list('alice', { limit: 10 })).items.length, 1);
  assert.is((await context.service.list('alice', { limit: 10 }, 'pending')).items.length, 1);
  assert.is((await context.service.listAll('pending', { limit: 10 })).items.length, 1);
});

store.run();
