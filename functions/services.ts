/** The composition root: the task service wired to DynamoDB, built once per function instance. */
import { monotonicFactory } from 'ulid';
import { config, requireSetting } from './config/env.ts';
import { documentClient } from './dynamodb/client.ts';
import { createDynamoDbTaskStore } from './dynamodb/task-store.ts';
import { createTaskService, type TaskService } from './tasks/service.ts';

let service: TaskService | undefined;

export function taskService(): TaskService {
  service ??= createTaskService({
    repository: createDynamoDbTaskStore(documentClient(), requireSetting(config().tableName, 'TABLE_NAME'), {
      statusShards: config().statusShards,
    }),
    // Monotonic: ids made in the same millisecond still sort in creation order.
    newId: monotonicFactory(),
    maxTasksPerUser: config().maxTasksPerUser,
  });
  return service;
}
