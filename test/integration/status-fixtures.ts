/** Status-index fixtures for the integration suites: seeded randomness, many users' tasks, paging while statuses change. */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import * as assert from 'uvu/assert';
import { createDynamoDbTaskStore, taskItem } from '../../functions/dynamodb/task-store.ts';
import type { TaskRepository } from '../../functions/tasks/repository.ts';
import { type OwnedTask, TASK_STATUSES, type Task, type TaskStatus } from '../../functions/tasks/task.ts';
import { seeded } from '../../scripts/random.ts';
import type { EmbeddedDynamoDb } from './embedded-dynamodb.ts';

export async function newStore(db: EmbeddedDynamoDb, statusShards: number) {
  const table = `tasks-${randomUUID()}`;
  await db.createTable(table);
  return { table, store: createDynamoDbTaskStore(db.client, table, { statusShards, layoutCacheMs: 0 }) };
}

/**
 * `count` tasks of `users` owners, mostly pending (or a third of each status with `evenStatuses`), with
 * few distinct creation times (many ties), or with `distinctTimes` one millisecond each, in random order. Written as the store writes them, 25 to a
 * batch (test data: the store's own conditional insert is covered elsewhere).
 */
export async function seedTasks(
  db: EmbeddedDynamoDb,
  table: string,
  statusShards: number,
  count: number,
  users: number,
  next: (below: number) => number,
  { distinctTimes = false, timeOnlySortKey = false, evenStatuses = false } = {},
) {
  const newId = monotonicFactory();
  const owners = Array.from({ length: users }, () => randomUUID());
  const start = Date.UTC(2026, 0, 1) + next(1_000_000) * 1000;
  const tasks = Array.from({ length: count }, (_, number) => {
    const offset = distinctTimes ? number * 1000 + next(1000) : next(Math.max(1, Math.floor(count / 4))) * 1000;
    const createdAt = new Date(start + offset).toISOString();
    const status = evenStatuses ? (TASK_STATUSES[next(3)] as TaskStatus) : next(4) === 0 ? (next(2) ? 'done' : 'in_progress') : 'pending';
    const task: Task = {
      task_id: newId(),
      title: `task ${number}`,
      description: '',
      status,
      created_at: createdAt,
      updated_at: createdAt,
      version: 1,
    };
    return { ...task, owner_id: owners[next(users)] as string };
  });
  for (let first = 0; first < tasks.length; first += 25) {
    const items = tasks.slice(first, first + 25).map((task) => {
      const item = taskItem(task.owner_id, withoutOwner(task), statusShards);
      return { PutRequest: { Item: timeOnlySortKey ? { ...item, GSI1SK: task.created_at } : item } };
    });
    await db.client.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
  }
  return tasks;
}

function withoutOwner({ owner_id: _, ...task }: OwnedTask): Task {
  return task;
}

export const order = (task: Pick<Task, 'created_at' | 'task_id'>) => `${task.created_at}#${task.task_id}`;

/** Pages through the admin view of `status`, the page size drawn anew for every page. */
export async function readAll(store: TaskRepository, status: TaskStatus, sizes: number[], next: (below: number) => number) {
  const seen: OwnedTask[] = [];
  let cursor: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const page = await store.listByStatus(status, { limit: sizes[next(sizes.length)] as number, cursor });
    seen.push(...page.items);
    cursor = page.cursor;
    pages++;
    assert.ok(pages < 10_000, 'paging terminates');
  } while (cursor);
  return { seen, pages };
}

/**
 * Pages through `status` while a second client keeps changing statuses (concurrently, not only between
 * pages), then checks the pages against what one index would have given.
 */
export async function readWhileChanging(
  store: TaskRepository,
  tasks: OwnedTask[],
  status: TaskStatus,
  sizes: number[],
  next: (below: number) => number,
) {
  const touched = new Set<string>();
  let reading = true;
  const changer = (async () => {
    let changes = 0;
    while (reading) {
      const task = tasks[next(tasks.length)] as OwnedTask;
      touched.add(task.task_id);
      const to = TASK_STATUSES[next(TASK_STATUSES.length)] as TaskStatus;
      await store.update(task.owner_id, task.task_id, { status: to }, new Date().toISOString());
      task.status = to;
      changes++;
      // A few hundred changes a second: a real race, without starving the reader.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return changes;
  })();
  let result: Awaited<ReturnType<typeof readAll>>;
  try {
    // Page sizes from a sequence of their own: the changer's draws must not change how many pages there are.
    result = await readAll(store, status, sizes, seeded(tasks.length * sizes.length));
  } finally {
    reading = false;
  }
  const changes = await changer;

  const ids = result.seen.map((task) => task.task_id);
  assert.is(new Set(ids).size, ids.length, 'no task twice');
  assert.ok(
    result.seen.every((task, position) => position === 0 || order(result.seen[position - 1] as Task) > order(task)),
    'newest first, time then task id',
  );
  const returned = new Set(ids);
  const kept = tasks.filter((task) => task.status === status && !touched.has(task.task_id));
  assert.equal(
    kept.filter((task) => !returned.has(task.task_id)).map((task) => task.task_id),
    [],
    'every task that kept its status',
  );
  const known = new Map(tasks.map((task) => [task.task_id, task]));
  for (const task of result.seen) {
    assert.ok(task.status === status, `${task.task_id} has the status asked for`);
    assert.is(task.owner_id, known.get(task.task_id)?.owner_id, 'with its owner');
  }
  return { ...result, changes, kept: kept.length };
}

/**
 * Tasks as the code before sharding wrote them: the unsharded partition key and a sort key of the
 * creation time alone (`timeOnlySortKey`). Their times are distinct: until the backfill rewrites them, tasks of the same
 * millisecond have no order between them (see README, "Changing the shard count").
 */
export async function seedLegacyTasks(db: EmbeddedDynamoDb, table: string, count: number, users: number, next: (below: number) => number) {
  return seedTasks(db, table, 1, count, users, next, { distinctTimes: true, timeOnlySortKey: true });
}

/** Every task item's status-index keys and version, by task id (a scan: test code only). */
export async function storedTasks(db: EmbeddedDynamoDb, table: string) {
  const found = new Map<string, { GSI1PK: string; GSI1SK: string; version: number; status: string; title: string }>();
  for (const item of await scanAll(db, table)) {
    if (item.entity === 'task') found.set(String(item.task_id), item as never);
  }
  return found;
}

/** Every item of the table (a scan: test code only). */
export async function scanAll(db: EmbeddedDynamoDb, table: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
