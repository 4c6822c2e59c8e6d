/**
 * The one DynamoDB document-client mock shared by every unit suite (uvu loads all suites in one
 * process), plus builders for stored items and the helpers suites need to assert on sent commands.
 * Reset it in `before.each` with `resetMocks()`.
 */
import './env.ts';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ulid } from 'ulid';
import { config } from '../../functions/config/env.ts';
import { statusIndexKeys } from '../../functions/dynamodb/keys.ts';
import { forgetLayoutRecords } from '../../functions/dynamodb/status-layout.ts';
import type { Task } from '../../functions/tasks/task.ts';
import { clearLogs } from './logs.ts';

export const ddb = mockClient(DynamoDBDocumentClient);

/** Resets the mock (no behaviours: every command resolves to `undefined` unless a test says otherwise) and the log capture. */
export function resetMocks(): void {
  ddb.reset();
  ddb.onAnyCommand().resolves({});
  clearLogs();
  forgetLayoutRecords();
}

export const TABLE_NAME = process.env.TABLE_NAME ?? 'tasks-test';

/** Every attribute name that must never leave the repository module. */
export const INTERNAL_ATTRIBUTES = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'entity', 'expires_at', 'fingerprint'] as const;

export function newTaskId(): string {
  return ulid();
}

export function makeTask(overrides: Partial<Task> = {}): Task {
  return {
    task_id: newTaskId(),
    title: 'Write the tests',
    description: 'All of them',
    status: 'pending',
    created_at: '2026-01-02T03:04:05.678Z',
    updated_at: '2026-01-02T03:04:05.678Z',
    version: 1,
    ...overrides,
  };
}

/** A task item as the repository stores it: the task plus its keys and internal attributes. */
export function storedItem(ownerId: string, task: Task = makeTask()): Record<string, unknown> {
  return {
    PK: `USER#${ownerId}`,
    SK: `TASK#${task.task_id}`,
    ...statusIndexKeys(task.task_id, task.status, task.created_at, config().statusShards),
    GSI2PK: `USER#${ownerId}#STATUS#${task.status}`,
    GSI2SK: `TASK#${task.task_id}`,
    entity: 'task',
    owner_id: ownerId,
    ...task,
  };
}

/** The error DynamoDB answers a failed ConditionExpression with; `item` is what ALL_OLD hands back. */
export function conditionFailed(item?: Record<string, unknown>): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: item as never } : {}),
  });
}

/** The names of the commands sent, in order (e.g. ['PutCommand', 'GetCommand']). */
export function sentCommandNames(): string[] {
  return ddb.calls().map((call) => (call.args[0] as object).constructor.name);
}

/** Asserts-friendly: true when a value (serialized) mentions any internal attribute as a JSON key. */
export function internalKeysIn(body: string): string[] {
  return INTERNAL_ATTRIBUTES.filter((name) => body.includes(`"${name}"`));
}
