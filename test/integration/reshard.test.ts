/**
 * `make reshard` against the embedded engine: moving a live table between shard counts, interrupted
 * halfway and resumed, with another client changing statuses and an admin paging through the whole time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statusIndexKeys } from '../../functions/dynamodb/keys.ts';
import { ReshardConflictError, reshard } from '../../functions/dynamodb/reshard.ts';
import { createDynamoDbTaskStore } from '../../functions/dynamodb/task-store.ts';
import type { TaskRepository } from '../../functions/tasks/repository.ts';
import { type OwnedTask, TASK_STATUSES, type TaskStatus } from '../../functions/tasks/task.ts';
import { main } from '../../scripts/reshard.ts';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from './embedded-dynamodb.ts';
import { seeded } from '../../scripts/random.ts';
import { newStore, order, readAll, readWhileChanging, scanAll, seedLegacyTasks, seedTasks, storedTasks } from './status-fixtures.ts';

interface Context {
  db: EmbeddedDynamoDb;
}

const moves = suite<Context>('resharding a live table (make reshard)');

moves.before(async (context) => {
  context.db = await startEmbeddedDynamoDb();
});
moves.after(async (context) => {
  await context.db.stop();
});

const run = (db: EmbeddedDynamoDb, table: string, shards: number, extra: Partial<Parameters<typeof reshard>[0]> = {}) =>
  reshard({ client: db.client, tableName: table, shards, batchSize: 25, settleMs: 0, ...extra });

/** Every task's status-index keys are those of `shards` shards, with the sort key that holds the task id; no stand-in is left. */
async function assertLayout(db: EmbeddedDynamoDb, table: string, tasks: OwnedTask[], shards: number) {
  const stored = await storedTasks(db, table);
  assert.equal(
    (await scanAll(db, table)).filter((item) => item.entity === 'stand-in'),
    [],
    'no stand-in left behind',
  );
  for (const task of tasks) {
    const item = stored.get(task.task_id);
    assert.ok(item, `${task.task_id} is still stored`);
    assert.equal(
      { GSI1PK: item.GSI1PK, GSI1SK: item.GSI1SK },
      statusIndexKeys(task.task_id, item.status as TaskStatus, task.created_at, shards),
      `${task.task_id} in the ${shards}-shard layout`,
    );
  }
}

/** Every task is reachable: by id, in its owner's lists, and exactly once in the admin view of its status. */
async function assertReachable(store: TaskRepository, tasks: OwnedTask[]) {
  for (const status of TASK_STATUSES) {
    const { seen } = await readAll(store, status, [23, 60], seeded(status.length));
    const expected = tasks.filter((task) => task.status === status).sort((a, b) => (order(a) < order(b) ? 1 : -1));
    assert.equal(
      seen.map((task) => task.task_id),
      expected.map((task) => task.task_id),
      `the admin view of ${status}`,
    );
  }
  for (const task of tasks.filter((_, position) => position % 10 === 0)) {
    assert.is((await store.get(task.owner_id, task.task_id))?.status, task.status);
  }
  const owner = tasks[0]?.owner_id as string;
  const mine = await store.listByOwner(owner, { limit: 100 }, 'pending');
  assert.equal(
    mine.items.map((task) => task.task_id).sort(),
    tasks
      .filter((task) => task.owner_id === owner && task.status === 'pending')
      .map((task) => task.task_id)
      .sort(),
  );
}

/** A one-shot signal: `fired` settles once `fire()` is called. */
function signal() {
  let fire: () => void = () => undefined;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}

/** The page holds every pending task, each once. */
function assertEveryPending(page: { items: { task_id: string }[] }, tasks: OwnedTask[]) {
  assert.equal(
    page.items.map((task) => task.task_id).sort(),
    tasks
      .filter((task) => task.status === 'pending')
      .map((task) => task.task_id)
      .sort(),
  );
}

moves('from the pre-sharding layout to 8 shards and back to 1: every task reachable at each step', async ({ db }) => {
  const next = seeded(18);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 120, 10, next);
  const at8 = createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 });
  const at1 = createDynamoDbTaskStore(db.client, table, { statusShards: 1, layoutCacheMs: 0 });

  const up = await run(db, table, 8);

  assert.equal(
    { state: up.state, from: up.from, shards: up.shards, moved: up.moved },
    { state: 'settled', from: 1, shards: 8, moved: 120 },
  );
  await assertLayout(db, table, tasks, 8);
  await assertReachable(at8, tasks);

  const down = await run(db, table, 1);

  assert.equal({ state: down.state, from: down.from, moved: down.moved }, { state: 'settled', from: 8, moved: 120 });
  await assertLayout(db, table, tasks, 1);
  await assertReachable(at1, tasks);
  await assertReachable(at8, tasks);
});

moves('settled: the admin view reads only the new layout’s partitions; a second run has nothing to do', async ({ db }) => {
  const next = seeded(5);
  const { table } = await newStore(db, 8);
  await seedLegacyTasks(db, table, 40, 4, next);
  await run(db, table, 8);
  const partitions: string[] = [];
  const counting = {
    send: (command: QueryCommand) => {
      if (command instanceof QueryCommand) partitions.push(String(command.input.ExpressionAttributeValues?.[':pk']));
      return db.client.send(command);
    },
  } as unknown as typeof db.client;

  await createDynamoDbTaskStore(counting, table, { statusShards: 8, layoutCacheMs: 0 }).listByStatus('pending', { limit: 10 });
  const again = await run(db, table, 8);

  assert.equal(
    partitions.filter((pk) => pk.startsWith('STATUS#')).sort(),
    Array.from({ length: 8 }, (_, shard) => `STATUS#pending#${shard}`).sort(),
  );
  assert.equal(again, { state: 'settled', from: 8, shards: 8, moved: 0, batches: 0 });
});

moves('interrupted halfway, then resumed while an admin pages and another client changes statuses', async ({ db }) => {
  const next = seeded(1234);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 240, 12, next);
  const store = createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 });

  const half = await run(db, table, 8, { maxBatches: 5 });

  assert.is(half.state, 'moving');
  assert.ok(half.moved > 60 && half.moved < 180, `about half moved: ${half.moved}`);
  // Mid-move, the admin view is complete while statuses change.
  await readWhileChanging(store, tasks, 'pending', [10, 40], next);
  // Another count cannot start until this move is finished.
  try {
    await run(db, table, 4);
    assert.unreachable('a second move started');
  } catch (error) {
    assert.instance(error, ReshardConflictError);
  }

  let result: Awaited<ReturnType<typeof reshard>> | undefined;
  const resumed = run(db, table, 8, { batchSize: 10 }).then((done) => {
    result = done;
  });
  const { changes } = await readWhileChanging(store, tasks, 'pending', [5, 20], next);
  await resumed;

  assert.is(result?.state, 'settled');
  assert.ok(changes > 0);
  await assertLayout(db, table, tasks, 8);
  await assertReachable(store, tasks);
});

moves('during a move, tasks moved between the read of their old partition and of their new one are still listed', async ({ db }) => {
  const next = seeded(31);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 40, 4, next);
  await run(db, table, 8, { maxBatches: 0 }); // announces the move, moves nothing yet
  let answered = 0;
  const moved = signal();
  // The worst schedule: the old partition is read as late as possible, and every task moves right
  // after the new partitions have answered.
  const adversary = {
    send: async (command: QueryCommand) => {
      const partition = String(command.input.ExpressionAttributeValues?.[':pk']);
      if (partition === 'STATUS#pending') await Promise.race([moved.fired, new Promise((resolve) => setTimeout(resolve, 100))]);
      const answer = await db.client.send(command);
      if (partition.startsWith('STATUS#pending#') && ++answered === 8) {
        await run(db, table, 8);
        moved.fire();
      }
      return answer;
    },
  } as unknown as typeof db.client;

  const page = await createDynamoDbTaskStore(adversary, table, { statusShards: 8, layoutCacheMs: 0 }).listByStatus('pending', {
    limit: 100,
  });

  assert.is(answered, 8);
  assertEveryPending(page, tasks);
  await assertLayout(db, table, tasks, 8);
});

moves('a task out of the index while it moves (an index write in flight) is listed through its stand-in', async ({ db }) => {
  const next = seeded(47);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 30, 3, next);
  await run(db, table, 8, { maxBatches: 0 });
  const gate = signal();
  const inFlight = signal();
  // The worst an index can do while a task's key changes: drop the old entry well before the new one
  // shows (dynalite deletes, then puts; DynamoDB propagates to an index asynchronously).
  const slowIndex = {
    send: async (command: UpdateCommand) => {
      if (command instanceof UpdateCommand && command.input.UpdateExpression === 'SET GSI1PK = :pk, GSI1SK = :sk') {
        await db.client.send(new UpdateCommand({ TableName: table, Key: command.input.Key, UpdateExpression: 'REMOVE GSI1PK, GSI1SK' }));
        inFlight.fire();
        await gate.fired;
      }
      return db.client.send(command);
    },
  } as unknown as typeof db.client;
  const moving = reshard({ client: slowIndex, tableName: table, shards: 8, settleMs: 0, batchSize: 1000 });
  await inFlight.fired;

  const page = await createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 }).listByStatus('pending', {
    limit: 100,
  });
  gate.fire();
  await moving;

  assertEveryPending(page, tasks);
  await assertLayout(db, table, tasks, 8);
});

moves('a run that dies mid-batch leaves stand-ins the next run removes; the view meanwhile lists each task once', async ({ db }) => {
  const next = seeded(48);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 40, 4, next);
  let moves = 0;
  const dying = {
    send: (command: UpdateCommand) => {
      if (command instanceof UpdateCommand && ++moves === 5) return Promise.reject(new Error('the operator’s laptop went to sleep'));
      return db.client.send(command);
    },
  } as unknown as typeof db.client;

  try {
    await reshard({ client: dying, tableName: table, shards: 8, settleMs: 0, batchSize: 1000, concurrency: 1 });
    assert.unreachable('the run went on');
  } catch (error) {
    assert.match(String(error), /went to sleep/);
  }
  const standIns = (await scanAll(db, table)).filter((item) => item.entity === 'stand-in');
  assert.ok(standIns.length > 0, 'stand-ins are left behind');
  const store = createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 });
  await assertReachable(store, tasks);

  const resumed = await run(db, table, 8);

  assert.is(resumed.state, 'settled');
  await assertLayout(db, table, tasks, 8);
  await assertReachable(store, tasks);
});

moves('a task updated while the backfill moves it keeps the update: the move is conditional on the version it read', async ({ db }) => {
  const next = seeded(77);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 20, 2, next);
  const store = createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 });
  const target = tasks[3] as OwnedTask;
  let raced = false;
  // A client updates the task between the backfill's read of it and its write.
  const racing = {
    send: async (command: UpdateCommand) => {
      if (!raced && command instanceof UpdateCommand && String(command.input.Key?.SK).endsWith(target.task_id)) {
        raced = true;
        await store.update(target.owner_id, target.task_id, { title: 'changed meanwhile', status: 'done' }, new Date().toISOString());
        target.status = 'done';
      }
      return db.client.send(command);
    },
  } as unknown as typeof db.client;

  await reshard({ client: racing, tableName: table, shards: 8, settleMs: 0 });

  const stored = (await storedTasks(db, table)).get(target.task_id);
  assert.ok(raced);
  assert.equal(
    { title: stored?.title, status: stored?.status, version: stored?.version },
    { title: 'changed meanwhile', status: 'done', version: 2 },
  );
  await assertLayout(db, table, tasks, 8);
  await assertReachable(store, tasks);
});

moves('tasks a function still on the old count writes after the scan passed are drained before the move settles', async ({ db }) => {
  const next = seeded(9);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 30, 3, next);
  let late: OwnedTask[] = [];
  // When the scan reports its last page, an old function writes more tasks under the unsharded key.
  const lagging = {
    send: async (command: ScanCommand) => {
      const answer = await db.client.send(command);
      if (command instanceof ScanCommand && !answer.LastEvaluatedKey && late.length === 0) {
        late = await seedTasks(db, table, 1, 12, 2, next);
      }
      return answer;
    },
  } as unknown as typeof db.client;

  const result = await reshard({ client: lagging, tableName: table, shards: 8, batchSize: 1000, settleMs: 0 });

  assert.is(late.length, 12);
  assert.is(result.moved, 30 + late.length);
  const all = [...tasks, ...late];
  await assertLayout(db, table, all, 8);
  await assertReachable(createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 }), all);
});

moves('make reshard (the CLI) on local mode’s table: 1 → 8 → 1 leaves every task reachable; resumes; bad input exits 2', async ({ db }) => {
  const next = seeded(64);
  const { table } = await newStore(db, 8);
  const tasks = await seedLegacyTasks(db, table, 40, 4, next);
  const dataDir = await mkdtemp(join(tmpdir(), 'task-api-reshard-'));
  await writeFile(join(dataDir, 'local-env.json'), JSON.stringify({ tableName: table, dynamoDbEndpoint: db.endpoint, region: 'local' }));
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  const cli = (...argv: string[]) => main([...argv, '--data-dir', dataDir, '--settle-seconds', '0', '--batch-size', '10'], {}, io);
  try {
    assert.is(await cli('--shards', '8', '--max-batches', '2'), 0);
    assert.match(lines.at(-1) ?? '', /"state":"moving"/);
    assert.is(await cli('--shards', '8'), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /Resuming the move from 1 to 8 shards/);
    assert.match(lines.at(-1) ?? '', /"state":"settled"/);
    await assertLayout(db, table, tasks, 8);
    await assertReachable(createDynamoDbTaskStore(db.client, table, { statusShards: 8, layoutCacheMs: 0 }), tasks);

    assert.is(await main(['--shards', '1', '--settle-seconds', '0'], { TASK_API_DATA_DIR: dataDir, SHARDS: 'ignored' }, io), 0);
    await assertLayout(db, table, tasks, 1);
    await assertReachable(createDynamoDbTaskStore(db.client, table, { statusShards: 1, layoutCacheMs: 0 }), tasks);

    for (const bad of [[], ['--shards', '0'], ['--shards', 'x'], ['--shards', '65'], ['--bogus']]) {
      const code = await main(bad, { TASK_API_DATA_DIR: dataDir }, io);
      assert.ok(code === 1 || code === 2, `${bad.join(' ')} → ${code}`);
    }
    assert.is(await main(['--bogus'], {}, io), 2);
    assert.is(await main(['--shards', '8', '--data-dir', join(dataDir, 'nowhere')], {}, io), 1);
    assert.match(lines.at(-1) ?? '', /No local stack found/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

moves.run();
