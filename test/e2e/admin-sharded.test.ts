/**
 * The admin view over HTTP on local mode, which runs prod's status-index layout (8 shards): paged at
 * two sizes while other clients change their tasks' statuses through the API, every task that kept
 * its status comes exactly once, newest first.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { layoutKey, taskSk, userPk } from '../../functions/dynamodb/keys.ts';
import { createDynamoDbTaskStore } from '../../functions/dynamodb/task-store.ts';
import { TASK_STATUSES, type Task, type TaskStatus } from '../../functions/tasks/task.ts';
import { STAGE_DEFAULTS } from '../../infra/config.ts';
import type { LocalEnv } from '../../local/local-env.ts';
import { seeded } from '../../scripts/random.ts';
import { createTask, createUser, type Fixture, http, startStack, stopStack, type User } from './support/stack.ts';

interface Context {
  fx: Fixture;
  admin: User;
  clients: User[];
  db: DynamoDBDocumentClient;
  tableName: string;
}

const sharded = suite<Context>('the admin view over HTTP on the sharded status index');

sharded.before(async (context) => {
  context.fx = await startStack();
  [context.admin, ...context.clients] = await Promise.all([
    createUser(context.fx.stack, 'shard-admin', { admin: true }),
    createUser(context.fx.stack, 'shard-client-1'),
    createUser(context.fx.stack, 'shard-client-2'),
    createUser(context.fx.stack, 'shard-client-3'),
  ]);
  const local = JSON.parse(await readFile(join(context.fx.dataDir, 'local-env.json'), 'utf8')) as LocalEnv;
  context.tableName = local.tableName;
  context.db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: local.dynamoDbEndpoint,
      region: local.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});
sharded.after(async ({ fx, db }) => {
  db?.destroy();
  await stopStack(fx);
});

sharded('local mode runs prod’s layout: the table records 8 shards and a new task is keyed to one of them', async (context) => {
  const task = await createTask(context.fx.stack, context.clients[0] as User, { title: 'where am I' });
  const shards = STAGE_DEFAULTS.prod.statusShards;

  const record = await context.db.send(new GetCommand({ TableName: context.tableName, Key: layoutKey() }));
  const item = await context.db.send(
    new GetCommand({ TableName: context.tableName, Key: { PK: userPk((context.clients[0] as User).sub), SK: taskSk(task.task_id) } }),
  );

  assert.equal({ state: record.Item?.state, shards: record.Item?.shards }, { state: 'settled', shards });
  assert.match(String(item.Item?.GSI1PK), new RegExp(`^STATUS#pending#[0-${shards - 1}]$`));
  await http(context.fx.stack, 'DELETE', `/tasks/${task.task_id}`, { token: (context.clients[0] as User).idToken });
});

sharded(
  '300 tasks of 20 users, paged at two sizes while three clients change statuses: each kept task once, newest first',
  async (context) => {
    const next = seeded(300);
    const owners = [...context.clients.map((client) => client.sub), ...Array.from({ length: 17 }, (_, index) => `owner-${index}`)];
    // Written straight into local mode's table (as the functions would), with many equal timestamps.
    const store = createDynamoDbTaskStore(context.db, context.tableName, { statusShards: STAGE_DEFAULTS.prod.statusShards });
    const tasks = Array.from({ length: 300 }, (_, index) => {
      const at = new Date(Date.UTC(2026, 5, 1, 0, 0, next(60))).toISOString();
      const status: TaskStatus = next(5) === 0 ? 'done' : 'pending';
      const task: Task = {
        task_id: `01J${String(index).padStart(4, '0')}${'0'.repeat(19)}`,
        title: `t${index}`,
        description: '',
        status,
        created_at: at,
        updated_at: at,
        version: 1,
      };
      return { ...task, owner_id: owners[next(owners.length)] as string };
    });
    for (let start = 0; start < tasks.length; start += 50) {
      await Promise.all(tasks.slice(start, start + 50).map(({ owner_id, ...task }) => store.insert(owner_id, task)));
    }
    const changeable = tasks.filter((task) => context.clients.some((client) => client.sub === task.owner_id));

    for (const limit of ['100', '17']) {
      const touched = new Set<string>();
      let reading = true;
      const changers = context.clients.map(async (client) => {
        const mine = changeable.filter((task) => task.owner_id === client.sub);
        while (reading && mine.length > 0) {
          const task = mine[next(mine.length)] as (typeof tasks)[number];
          const status = TASK_STATUSES[next(TASK_STATUSES.length)] as TaskStatus;
          touched.add(task.task_id);
          const result = await http(context.fx.stack, 'PATCH', `/tasks/${task.task_id}`, { token: client.idToken, body: { status } });
          assert.is(result.status, 200, result.text);
          task.status = status;
        }
      });
      const seen: { task_id: string; created_at: string; status: string; owner_id: string }[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await http(context.fx.stack, 'GET', '/admin/tasks', {
            token: context.admin.idToken,
            query: { status: 'pending', limit, next_token: nextToken },
          });
          assert.is(page.status, 200, page.text);
          seen.push(...page.json.tasks);
          nextToken = page.json.next_token ?? undefined;
        } while (nextToken);
      } finally {
        reading = false;
      }
      await Promise.all(changers);

      const ids = seen.map((task) => task.task_id);
      assert.is(new Set(ids).size, ids.length, `page size ${limit}: no task twice`);
      const key = (task: { created_at: string; task_id: string }) => `${task.created_at}#${task.task_id}`;
      assert.ok(
        seen.every((task, index) => index === 0 || key(seen[index - 1] as (typeof seen)[number]) > key(task)),
        `page size ${limit}: newest first, then by task id`,
      );
      const returned = new Set(ids);
      const kept = tasks.filter((task) => task.status === 'pending' && !touched.has(task.task_id));
      assert.equal(
        kept.filter((task) => !returned.has(task.task_id)).map((task) => task.task_id),
        [],
        `page size ${limit}: every task that kept its status`,
      );
      assert.ok(touched.size > 0 && kept.length > 150, `page size ${limit}: ${touched.size} changed, ${kept.length} kept`);
      assert.ok(seen.every((task) => task.status === 'pending' && owners.includes(task.owner_id)));
    }
  },
);

sharded.run();
