/**
 * The sharded status index against the embedded engine: the admin view over many users' tasks, read page
 * by page while another client changes statuses, is what one index would give for every task that kept
 * its status: each exactly once, newest first (time, then task id), across equal timestamps.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TASK_STATUSES, type Task } from '../../functions/tasks/task.ts';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from './embedded-dynamodb.ts';
import { seeded } from '../../scripts/random.ts';
import { newStore, order, readAll, readWhileChanging, seedLegacyTasks, seedTasks } from './status-fixtures.ts';

interface Context {
  db: EmbeddedDynamoDb;
}

const index = suite<Context>('the sharded status index on the embedded engine');

index.before(async (context) => {
  context.db = await startEmbeddedDynamoDb();
});
index.after(async (context) => {
  await context.db.stop();
});

for (const shards of [1, 3, 8]) {
  index(`${shards} shard(s): random tasks of 12 users with equal timestamps, paged while statuses change`, async ({ db }) => {
    const next = seeded(shards * 7919);
    const { store, table } = await newStore(db, shards);
    const tasks = await seedTasks(db, table, shards, 240, 12, next);

    const { changes, kept, pages } = await readWhileChanging(store, tasks, 'pending', [3, 17, 60], next);

    assert.ok(changes > 0 && pages > 2 && kept > 0, `a real race: ${changes} changes over ${pages} pages, ${kept} kept`);
  });

  index(`${shards} shard(s): without changes the pages are exactly the status's tasks in one total order`, async ({ db }) => {
    const next = seeded(shards);
    const { store, table } = await newStore(db, shards);
    const tasks = await seedTasks(db, table, shards, 120, 5, next);
    for (const status of TASK_STATUSES) {
      const { seen } = await readAll(store, status, [7, 25], next);
      assert.equal(
        seen.map((task) => task.task_id),
        tasks
          .filter((task) => task.status === status)
          .sort((a, b) => (order(a) < order(b) ? 1 : -1))
          .map((task) => task.task_id),
        status,
      );
    }
  });
}

index('8 shards, 2,000 tasks of 20 users: read at several page sizes while another client changes statuses', async ({ db }) => {
  const next = seeded(2000);
  const { store, table } = await newStore(db, 8);
  const tasks = await seedTasks(db, table, 8, 2000, 20, next, { evenStatuses: true });

  for (const size of [100, 40, 17]) {
    const { changes, kept } = await readWhileChanging(store, tasks, 'pending', [size], next);
    assert.ok(changes > 0 && kept > 400, `a real race at page size ${size}: ${changes} changes, ${kept} kept`);
  }
});

index('a task is stored under its shard and a status change keeps the shard and the sort key', async ({ db }) => {
  const { table, store } = await newStore(db, 8);
  const [task] = await seedTasks(db, table, 8, 1, 1, () => 1); // next(4) = 1: pending
  const item = async () =>
    (await db.client.send(new GetCommand({ TableName: table, Key: { PK: `USER#${task?.owner_id}`, SK: `TASK#${task?.task_id}` } }))).Item ??
    {};
  const before = await item();
  assert.match(String(before.GSI1PK), /^STATUS#pending#[0-7]$/);
  assert.is(before.GSI1SK, `${task?.created_at}#${task?.task_id}`);

  await store.update(task?.owner_id as string, task?.task_id as string, { status: 'done' }, new Date().toISOString());

  const after = await item();
  assert.is(after.GSI1PK, String(before.GSI1PK).replace('pending', 'done'));
  assert.is(after.GSI1SK, before.GSI1SK);
});

index('tasks written before sharding (unsharded key, time-only sort key) are still listed, in order', async ({ db }) => {
  const next = seeded(3);
  const { table, store } = await newStore(db, 8);
  const sharded = await seedTasks(db, table, 8, 30, 3, next);
  const legacy = await seedLegacyTasks(db, table, 30, 3, next);
  const all = [...sharded, ...legacy].filter((task) => task.status === 'pending');

  const { seen } = await readAll(store, 'pending', [1000], next);

  assert.equal(seen.map((task) => task.task_id).sort(), all.map((task) => task.task_id).sort());
  assert.ok(
    seen.every((task, position) => position === 0 || (seen[position - 1] as Task).created_at >= task.created_at),
    'newest first',
  );
});

index.run();
