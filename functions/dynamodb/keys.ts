/** The only place that knows how keys are spelled. */
import type { TaskStatus } from '../tasks/task.ts';

export const TASK_SK_PREFIX = 'TASK#';

export const userPk = (userId: string) => `USER#${userId}`;
export const taskSk = (taskId: string) => `${TASK_SK_PREFIX}${taskId}`;
export const idempotencySk = (key: string) => `IDEMPOTENCY#${key}`;
export const statusPk = (status: TaskStatus) => `STATUS#${status}`;
export const userStatusPk = (userId: string, status: TaskStatus) => `USER#${userId}#STATUS#${status}`;

/** Every key attribute of a task item, for its table and both indexes. */
export function taskKeys(userId: string, taskId: string, status: TaskStatus, createdAt: string) {
  return {
    PK: userPk(userId),
    SK: taskSk(taskId),
    GSI1PK: statusPk(status),
    GSI1SK: createdAt,
    GSI2PK: userStatusPk(userId, status),
    GSI2SK: taskSk(taskId),
  };
}
