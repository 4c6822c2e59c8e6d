/** The only place that knows how keys are spelled. */
import { TASK_STATUSES, type TaskStatus } from '../tasks/task.ts';

export const TASK_SK_PREFIX = 'TASK#';

/** DynamoDB's limit on a partition key value (table and index keys alike), in UTF-8 bytes. */
const MAX_PARTITION_KEY_BYTES = 2048;
/** A lone UTF-16 surrogate has no UTF-8 form: the SDK would write U+FFFD, so two ids would share one key. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const userPk = (userId: string) => `USER#${userId}`;
export const taskSk = (taskId: string) => `${TASK_SK_PREFIX}${taskId}`;
export const idempotencySk = (key: string) => `IDEMPOTENCY#${key}`;
/** The owner's task counter (the quota), in the owner's partition: `PK=USER#<sub>`, `SK=QUOTA`. */
export const QUOTA_SK = 'QUOTA';
export const statusPk = (status: TaskStatus) => `STATUS#${status}`;
export const userStatusPk = (userId: string, status: TaskStatus) => `USER#${userId}#STATUS#${status}`;

/** What the longest partition key made from a user id (its status index key) adds to the id. */
const LONGEST_USER_KEY_EXTRA = Math.max(...TASK_STATUSES.map((status) => Buffer.byteLength(userStatusPk('', status))));
export const MAX_USER_ID_BYTES = MAX_PARTITION_KEY_BYTES - LONGEST_USER_KEY_EXTRA;

/** Whether every key made from this user id is one DynamoDB accepts, and no other user id makes the same keys. */
export function isStorableUserId(userId: string): boolean {
  return userId !== '' && !LONE_SURROGATE.test(userId) && Buffer.byteLength(userId) <= MAX_USER_ID_BYTES;
}

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
