/** The only place that knows how keys are spelled. */
import { TASK_STATUSES, type TaskStatus } from '../tasks/task.ts';
import { shardOf } from './shards.ts';

export const TASK_SK_PREFIX = 'TASK#';

/** DynamoDB's limit on a partition key value (table and index keys alike), in UTF-8 bytes. */
const MAX_PARTITION_KEY_BYTES = 2048;
/** A lone UTF-16 surrogate has no UTF-8 form: the SDK would write U+FFFD, so two ids would share one key. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const userPk = (userId: string) => `USER#${userId}`;
export const taskSk = (taskId: string) => `${TASK_SK_PREFIX}${taskId}`;
export const idempotencySk = (key: string) => `IDEMPOTENCY#${key}`;
export const userStatusPk = (userId: string, status: TaskStatus) => `USER#${userId}#STATUS#${status}`;

/**
 * One partition of the status index: `STATUS#<status>#<shard>`, or `STATUS#<status>` when the index has
 * one shard (the layout from before sharding).
 */
export const statusPk = (status: TaskStatus, shard: number, shards: number) =>
  shards <= 1 ? `STATUS#${status}` : `STATUS#${status}#${shard}`;

/** Partitions of the status index for `status` under `shards` shards: every one, or those numbered `only`. */
export function statusPartitions(status: TaskStatus, shards: number, only?: readonly number[]): string[] {
  return (only ?? Array.from({ length: shards }, (_, shard) => shard)).map((shard) => statusPk(status, shard, shards));
}

/**
 * The status index's sort key: creation time, then task id, so that tasks created in the same
 * millisecond still have one order, in every shard and across pages. (Before sharding it was the bare
 * `<created_at>`; `make reshard` rewrites such items.) ISO-8601 times have a fixed width, so the string
 * order is the time order.
 */
export const statusSk = (createdAt: string, taskId: string) => `${createdAt}#${taskId}`;

/** The status-index keys of a task. Its shard depends on the id only: a status change keeps it. */
export function statusIndexKeys(taskId: string, status: TaskStatus, createdAt: string, shards: number) {
  return { GSI1PK: statusPk(status, shardOf(taskId, shards), shards), GSI1SK: statusSk(createdAt, taskId) };
}

/** The owner's task counter (the quota), in the owner's partition: `PK=USER#<sub>`, `SK=QUOTA`. */
export const QUOTA_SK = 'QUOTA';

/** What the longest partition key made from a user id (its status index key) adds to the id. */
const LONGEST_USER_KEY_EXTRA = Math.max(...TASK_STATUSES.map((status) => Buffer.byteLength(userStatusPk('', status))));
export const MAX_USER_ID_BYTES = MAX_PARTITION_KEY_BYTES - LONGEST_USER_KEY_EXTRA;

/** Whether every key made from this user id is one DynamoDB accepts, and no other user id makes the same keys. */
export function isStorableUserId(userId: string): boolean {
  return userId !== '' && !LONE_SURROGATE.test(userId) && Buffer.byteLength(userId) <= MAX_USER_ID_BYTES;
}

/** Every key attribute of a task item, for its table and both indexes. */
export function taskKeys(userId: string, taskId: string, status: TaskStatus, createdAt: string, shards: number) {
  return {
    PK: userPk(userId),
    SK: taskSk(taskId),
    ...statusIndexKeys(taskId, status, createdAt, shards),
    GSI2PK: userStatusPk(userId, status),
    GSI2SK: taskSk(taskId),
  };
}

/**
 * A task's stand-in while `make reshard` moves it: a copy under the task's new status-index keys, kept in
 * the owner's partition beside the task (outside `TASK#`, so no user list or lookup ever sees it).
 */
export const standInKey = (userId: string, taskId: string) => ({ PK: userPk(userId), SK: `STAND_IN#${taskId}` });

/**
 * The table's own bookkeeping: the record of the status index's layout, kept by `make reshard`. It is
 * also in the status index, under a partition no status uses, so the admin view reads it with the one
 * permission it has (Query on the status index).
 */
export const layoutKey = () => ({ PK: 'META', SK: 'STATUS_INDEX_LAYOUT' });
export const layoutIndexKeys = () => ({ GSI1PK: 'META#STATUS_INDEX_LAYOUT', GSI1SK: 'LAYOUT' });
