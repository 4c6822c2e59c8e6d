/**
 * The IAM policy of each function is built from its route's `dynamodb` entry in functions/routes.ts.
 * These tests drive every handler down each of its DynamoDB paths (success, not found, stale version,
 * idempotent replay…) and check that it only ever sends commands that entry allows, and that the
 * entry allows nothing the handler never uses.
 */
import '../support/env.ts';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler as adminListTasks } from '../../functions/handlers/admin-list-tasks.ts';
import { handler as createTask } from '../../functions/handlers/create-task.ts';
import { handler as deleteTask } from '../../functions/handlers/delete-task.ts';
import { handler as getTask } from '../../functions/handlers/get-task.ts';
import { handler as listTasks } from '../../functions/handlers/list-tasks.ts';
import { handler as updateTask } from '../../functions/handlers/update-task.ts';
import type { LambdaHandler } from '../../functions/http/handler.ts';
import { type RouteName, route, routes } from '../../functions/routes.ts';
import { fingerprintOf } from '../../functions/tasks/service.ts';
import { conditionFailed, ddb, makeTask, resetMocks, storedItem } from '../support/ddb.ts';
import { type EventOptions, USER_A } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';

/** The IAM action each document-client command needs. A command missing here fails the test. */
const ACTION_OF: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  TransactGetCommand: 'dynamodb:GetItem',
  TransactWriteCommand: 'dynamodb:PutItem',
};

const HANDLERS: Record<RouteName, LambdaHandler> = {
  createTask,
  listTasks,
  getTask,
  updateTask,
  deleteTask,
  adminListTasks,
};

const task = makeTask();
const byId = { path: `/tasks/${task.task_id}`, resource: '/tasks/{taskId}', pathParameters: { taskId: task.task_id } };

interface Scenario {
  name: string;
  event: EventOptions;
  arrange?: () => void;
}

/** Every DynamoDB path of every route. */
const SCENARIOS: Record<RouteName, Scenario[]> = {
  createTask: [
    { name: 'without a key', event: { method: 'POST', path: '/tasks', body: { title: 'x' } } },
    { name: 'first use of a key', event: { method: 'POST', path: '/tasks', body: { title: 'x' }, headers: { 'Idempotency-Key': 'k' } } },
    {
      name: 'replay of a key (task exists)',
      event: { method: 'POST', path: '/tasks', body: { title: 'x' }, headers: { 'Idempotency-Key': 'k' } },
      arrange: () => replayOf(new Date().toISOString(), true),
    },
    {
      name: 'replay of a key while the first request is in flight (task not yet written)',
      event: { method: 'POST', path: '/tasks', body: { title: 'x' }, headers: { 'Idempotency-Key': 'k' } },
      arrange: () => replayOf(new Date().toISOString(), false),
    },
    {
      name: 'replay of a key after the task was deleted',
      event: { method: 'POST', path: '/tasks', body: { title: 'x' }, headers: { 'Idempotency-Key': 'k' } },
      arrange: () => replayOf('2020-01-01T00:00:00.000Z', false),
    },
  ],
  listTasks: [
    { name: 'all statuses', event: { path: '/tasks' } },
    { name: 'one status', event: { path: '/tasks', query: { status: 'done' } } },
  ],
  getTask: [
    { name: 'found', event: byId, arrange: () => ddb.on(GetCommand).resolves({ Item: storedItem(USER_A, task) }) },
    { name: 'absent', event: byId },
  ],
  updateTask: [
    {
      name: 'success',
      event: { ...byId, method: 'PATCH', body: { status: 'done' } },
      arrange: () => ddb.on(UpdateCommand).resolves({ Attributes: storedItem(USER_A, task) }),
    },
    {
      name: 'absent',
      event: { ...byId, method: 'PATCH', body: { status: 'done' } },
      arrange: () => ddb.on(UpdateCommand).rejects(conditionFailed()),
    },
    {
      name: 'stale If-Match (old item returned)',
      event: { ...byId, method: 'PATCH', body: { status: 'done' }, headers: { 'If-Match': '"9"' } },
      arrange: () => ddb.on(UpdateCommand).rejects(conditionFailed(storedItem(USER_A, task))),
    },
    {
      name: 'If-Match on an absent task',
      event: { ...byId, method: 'PATCH', body: { status: 'done' }, headers: { 'If-Match': '"9"' } },
      arrange: () => ddb.on(UpdateCommand).rejects(conditionFailed()),
    },
  ],
  deleteTask: [
    { name: 'success', event: { ...byId, method: 'DELETE' } },
    { name: 'absent', event: { ...byId, method: 'DELETE' }, arrange: () => ddb.on(DeleteCommand).rejects(conditionFailed()) },
    {
      name: 'stale If-Match (old item returned)',
      event: { ...byId, method: 'DELETE', headers: { 'If-Match': '"9"' } },
      arrange: () => ddb.on(DeleteCommand).rejects(conditionFailed(storedItem(USER_A, task))),
    },
    {
      name: 'If-Match on an absent task',
      event: { ...byId, method: 'DELETE', headers: { 'If-Match': '"9"' } },
      arrange: () => ddb.on(DeleteCommand).rejects(conditionFailed()),
    },
  ],
  adminListTasks: [
    { name: 'default status', event: { path: '/admin/tasks', groups: ['admin'] } },
    { name: 'one status', event: { path: '/admin/tasks', groups: ['admin'], query: { status: 'done' } } },
  ],
};

/** The key is held by an earlier request with the same body; `taskExists` says whether its task is stored. */
function replayOf(createdAt: string, taskExists: boolean) {
  ddb.on(PutCommand, { Item: { SK: 'IDEMPOTENCY#k' } }).rejects(conditionFailed({}));
  const input = { title: 'x', description: '', status: 'pending' } as const;
  ddb.on(GetCommand, { Key: { SK: 'IDEMPOTENCY#k' } }).resolves({
    Item: {
      PK: `USER#${USER_A}`,
      SK: 'IDEMPOTENCY#k',
      fingerprint: fingerprintOf(input),
      task: { ...task, ...input, created_at: createdAt, updated_at: createdAt },
      expires_at: 9_999_999_999,
    },
  });
  if (taskExists) ddb.on(GetCommand, { Key: { SK: `TASK#${task.task_id}` } }).resolves({ Item: storedItem(USER_A, task) });
}

/** Runs a scenario and returns the IAM actions (and indexes) its commands need. */
async function actionsOf(operationId: RouteName, scenario: Scenario) {
  resetMocks();
  scenario.arrange?.();
  const response = await invoke(HANDLERS[operationId], scenario.event);
  assert.ok(response.status < 500, `${operationId} ${scenario.name} answered ${response.status}: ${response.raw}`);
  return ddb.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: { IndexName?: string } };
    return { command: command.constructor.name, action: ACTION_OF[command.constructor.name], index: command.input.IndexName };
  });
}

// ---------------------------------------------------------------------------------------------------
const permissions = suite('each handler sends only what its route’s dynamodb entry allows');

permissions('every route in the table has a handler and scenarios here', () => {
  assert.equal(routes.map((entry) => entry.operationId).sort(), Object.keys(SCENARIOS).sort());
});

for (const { operationId } of routes) {
  const allowed = route(operationId).dynamodb;
  for (const scenario of SCENARIOS[operationId]) {
    permissions(`${operationId}, ${scenario.name}: only ${allowed.actions.join(', ')}`, async () => {
      const sent = await actionsOf(operationId, scenario);

      assert.ok(sent.length > 0, 'the scenario should reach DynamoDB');
      for (const { command, action, index } of sent) {
        assert.ok(action, `no IAM action known for ${command}`);
        assert.ok(
          (allowed.actions as readonly string[]).includes(action as string),
          `${command} needs ${action}, not in ${allowed.actions}`,
        );
        assert.is.not(action, 'dynamodb:Scan', 'no Scan in request paths');
        if (index === undefined) assert.ok(allowed.onTable, `${command} on the table, but the route only allows indexes`);
        else assert.ok((allowed.indexes as readonly string[]).includes(index), `${command} on ${index}, not in ${allowed.indexes}`);
      }
    });
  }

  permissions(`${operationId}: every allowed action and index is used by some path (least privilege)`, async () => {
    const used = new Set<string>();
    const indexes = new Set<string>();
    let onTable = false;
    for (const scenario of SCENARIOS[operationId]) {
      for (const { action, index } of await actionsOf(operationId, scenario)) {
        used.add(action as string);
        if (index) indexes.add(index);
        else onTable = true;
      }
    }
    assert.equal([...used].sort(), [...allowed.actions].sort());
    assert.equal([...indexes].sort(), [...allowed.indexes].sort());
    assert.is(onTable, allowed.onTable);
  });
}

permissions.run();
