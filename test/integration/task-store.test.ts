/**
 * The task service and its DynamoDB repository against the embedded engine, with the real table design:
 * the key conditions, indexes, conditional writes and cursors do what the unit tests assume they do.
 * The repository contract (test/support/repository-contract.ts, which the in-memory fake also passes)
 * runs here first; after it, what only the adapter has: TTL attributes and the layout of its items.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDynamoDbTaskStore } from '../../functions/dynamodb/task-store.ts';
import type { TaskRepository } from '../../functions/tasks/repository.ts';
import { createTaskService, type TaskService } from '../../functions/tasks/service.ts';
import type { Task } from '../../functions/tasks/task.ts';
import { runRepositoryContract } from '../support/repository-contract.ts';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from './embedded-dynamodb.ts';

interface Context {
  db: EmbeddedDynamoDb;
  table: string;
  repository: TaskRepository;
  service: TaskService;
  clock: { now: Date };
}

let contractDb: EmbeddedDynamoDb | undefined;
runRepositoryContract('the DynamoDB adapter on the embedded engine', {
  start: async () => {
    contractDb = await startEmbeddedDynamoDb();
  },
  fresh: async () => {
    const db = contractDb as EmbeddedDynamoDb;
    const table = `tasks-${randomUUID()}`;
    await db.createTable(table);
    return createDynamoDbTaskStore(db.client, table, { statusShards: 8 });
  },
  stop: async () => {
    await contractDb?.stop();
  },
});

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

store('the record of a finished create says so, and a release makes no counter item', async (context) => {
  await context.service.create('alice', input('with key'), 'key-6');
  const record = await context.db.client.send(
    new GetCommand({ TableName: context.table, Key: { PK: 'USER#alice', SK: 'IDEMPOTENCY#key-6' }, ConsistentRead: true }),
  );
  assert.is(record.Item?.completed, true);
  await context.repository.releaseTaskSlot('nobody');
  const counter = await context.db.client.send(new GetCommand({ TableName: context.table, Key: { PK: 'USER#nobody', SK: 'QUOTA' } }));
  assert.is(counter.Item, undefined, 'no counter is made by a release');
});

store('the counter item is invisible to task queries (the list and both indexes)', async (context) => {
  await context.service.create('alice', { title: 'Counted', description: '', status: 'pending' });
  assert.is((await context.service.list('alice', { limit: 10 })).items.length, 1);
  assert.is((await context.service.list('alice', { limit: 10 }, 'pending')).items.length, 1);
  assert.is((await context.service.listAll('pending', { limit: 10 })).items.length, 1);
});

store.run();
