/**
 * The DynamoDB adapter of the task repository: the only module that knows the item layout, the key
 * attributes and the expressions. Items go out as public Task objects and nothing else.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { invalidPageToken, NotFoundError, PreconditionFailedError } from '../tasks/errors.ts';
import type { IdempotencyRecord, PageRequest, TaskRepository } from '../tasks/repository.ts';
import type { OwnedTask, Page, Task, TaskPatch, TaskStatus } from '../tasks/task.ts';
import { ULID_PATTERN } from '../tasks/schemas.ts';
import { idempotencySk, QUOTA_SK, statusPk, statusSk, TASK_SK_PREFIX, taskKeys, taskSk, userPk, userStatusPk } from './keys.ts';
import { readRounds } from './layout-record.ts';
import { mergeNewestFirst, type SortedRun } from './shard-merge.ts';
import { shardOf } from './shards.ts';
import { LAYOUT_CACHE_MS, readLayoutRecord } from './status-layout.ts';
import { STATUS_INDEX, tableDesign, USER_STATUS_INDEX } from './table-design.ts';

type Item = Record<string, unknown>;

const KEYS_OF = {
  table: ['PK', 'SK'],
  [USER_STATUS_INDEX]: ['PK', 'SK', 'GSI2PK', 'GSI2SK'],
} as const;

/** `<created_at>#<task id>`: the status index's sort key, which the admin view's cursor holds. */
const STATUS_CURSOR = new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z#${ULID_PATTERN.source.replace(/^\^|\$$/g, '')}$`);

export interface TaskStoreOptions {
  /** Shards of the status index that writes use (STATUS_SHARDS); 1 is the unsharded layout. */
  statusShards: number;
  /** How long the status index's layout record is trusted (tests that reshard set 0). */
  layoutCacheMs?: number;
}

export function createDynamoDbTaskStore(client: DynamoDBDocumentClient, tableName: string, options: TaskStoreOptions): TaskRepository {
  const { statusShards, layoutCacheMs = LAYOUT_CACHE_MS } = options;

  /** One conditional ADD on the owner's counter item; false when its condition fails. */
  async function addToCount(ownerId: string, delta: 1 | -1, condition: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { PK: userPk(ownerId), SK: QUOTA_SK },
          UpdateExpression: 'ADD #count :delta SET #entity = :entity',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#count': 'task_count', '#entity': 'entity' },
          ExpressionAttributeValues: { ':delta': delta, ':entity': 'quota', ...values },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  function reserveTaskSlot(ownerId: string, limit: number): Promise<boolean> {
    return addToCount(ownerId, 1, 'attribute_not_exists(#count) OR #count < :limit', { ':limit': limit });
  }

  async function releaseTaskSlot(ownerId: string): Promise<void> {
    // Never below zero: tasks stored before the counter existed are not in it.
    await addToCount(ownerId, -1, '#count > :zero', { ':zero': 0 });
  }

  async function insert(ownerId: string, task: Task): Promise<boolean> {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: taskItem(ownerId, task, statusShards),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function claimIdempotencyKey(
    ownerId: string,
    record: IdempotencyRecord,
    now: Date,
    attempt = 1,
  ): Promise<IdempotencyRecord | undefined> {
    const key = { PK: userPk(ownerId), SK: idempotencySk(record.key) };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...key,
            entity: 'idempotency',
            fingerprint: record.fingerprint,
            task: record.task,
            completed: record.completed,
            [tableDesign.timeToLiveAttribute]: record.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR #expires < :now',
          ExpressionAttributeNames: { '#expires': tableDesign.timeToLiveAttribute },
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      // Gone between the two calls (expired and deleted by TTL): the key is free again, claim it once more.
      if (!Item) {
        if (attempt > 1) throw error;
        return claimIdempotencyKey(ownerId, record, now, attempt + 1);
      }
      return {
        key: record.key,
        fingerprint: String(Item.fingerprint),
        task: toTask(Item.task as Item),
        expiresAt: Number(Item[tableDesign.timeToLiveAttribute]),
        completed: Item.completed === true,
      };
    }
  }

  async function completeIdempotencyKey(ownerId: string, key: string): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { PK: userPk(ownerId), SK: idempotencySk(key) },
          UpdateExpression: 'SET completed = :true',
          // Never re-create an expired record (without it, an update would write a bare item).
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async function get(ownerId: string, taskId: string): Promise<Task | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { PK: userPk(ownerId), SK: taskSk(taskId) }, ConsistentRead: true }),
    );
    return Item ? toTask(Item) : undefined;
  }

  function listByOwner(ownerId: string, page: PageRequest, status?: TaskStatus): Promise<Page<Task>> {
    const query: QueryCommandInput = status
      ? {
          TableName: tableName,
          IndexName: USER_STATUS_INDEX,
          KeyConditionExpression: 'GSI2PK = :pk',
          ExpressionAttributeValues: { ':pk': userStatusPk(ownerId, status) },
        }
      : {
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': userPk(ownerId), ':prefix': TASK_SK_PREFIX },
        };
    return queryPage(query, page, status ? USER_STATUS_INDEX : 'table', toTask);
  }

  /**
   * Everyone's tasks with a status: one query per partition of the status index that may hold them
   * (each for one item more than the page), merged newest first. The cursor is the sort key of the
   * page's last task: every shard goes on strictly after it, so a shard's position needs no more, and
   * a task that moves between shards (a reshard) never comes back on a later page.
   */
  async function listByStatus(status: TaskStatus, page: PageRequest): Promise<Page<OwnedTask>> {
    const after = statusCursorOf(page.cursor);
    const rounds = readRounds(status, statusShards, await readLayoutRecord(client, tableName, layoutCacheMs));
    const runs: SortedRun<Item>[] = [];
    for (const round of rounds)
      runs.push(...(await Promise.all(round.map((partition) => queryPartition(partition, after, page.limit + 1)))));
    // A task being moved by `make reshard` may be read twice, and its stand-in too: one task, one identity.
    const merged = mergeNewestFirst(runs, page.limit, statusOrderKey, (item) => JSON.stringify([item.owner_id, item.task_id]));
    const next = merged.last ?? after;
    if (!merged.complete && next === undefined) throw new Error('The status index returned no progress');
    return {
      items: merged.items.map((item) => ({ ...toTask(item), owner_id: String(item.owner_id) })),
      cursor: merged.complete ? undefined : { after: next },
    };
  }

  async function queryPartition(partition: string, after: string | undefined, limit: number): Promise<SortedRun<Item>> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: STATUS_INDEX,
          KeyConditionExpression: after === undefined ? 'GSI1PK = :pk' : 'GSI1PK = :pk AND GSI1SK < :after',
          ExpressionAttributeValues: { ':pk': partition, ...(after === undefined ? {} : { ':after': after }) },
          ScanIndexForward: false,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      // A task written before sharding has the bare creation time as its sort key, which sorts before
      // `<time>#<id>`: the page's last task comes back if it is one of them. It is dropped (and should that
      // leave nothing of a full read, the read goes on, so that the page still moves forward). Its
      // neighbours of the same millisecond have no order among themselves: they may repeat, never vanish.
      items.push(...(after === undefined ? Items : Items.filter((item) => statusOrderKey(item) !== after)));
      start = LastEvaluatedKey;
    } while (items.length === 0 && start !== undefined);
    return { items, more: start !== undefined };
  }

  /**
   * Newest first. Asks for one item more than the page holds, so the last page says so (no next
   * cursor) instead of ending in an empty page; the cursor is the key of the page's last item. When
   * DynamoDB stops early (its 1 MB read limit), its own LastEvaluatedKey says where to go on.
   */
  async function queryPage<T>(
    query: QueryCommandInput,
    page: PageRequest,
    keysOf: keyof typeof KEYS_OF,
    toPublic: (item: Item) => T,
  ): Promise<Page<T>> {
    const { Items = [], LastEvaluatedKey } = await client.send(
      new QueryCommand({ ...query, ScanIndexForward: false, Limit: page.limit + 1, ExclusiveStartKey: page.cursor }),
    );
    const items = Items.slice(0, page.limit);
    const last = items.at(-1);
    const cursor = Items.length > page.limit && last ? pick(last, KEYS_OF[keysOf]) : LastEvaluatedKey;
    return { items: items.map(toPublic), cursor };
  }

  async function update(ownerId: string, taskId: string, patch: TaskPatch, updatedAt: string, expectedVersion?: number): Promise<Task> {
    const names: Record<string, string> = { '#version': 'version', '#updated_at': 'updated_at' };
    const values: Record<string, unknown> = { ':one': 1, ':updated_at': updatedAt };
    const assignments = ['#version = #version + :one', '#updated_at = :updated_at'];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
    if (patch.status) {
      // The status indexes move with the status, in the same write; the task keeps its shard.
      values[':gsi1pk'] = statusPk(patch.status, shardOf(taskId, statusShards), statusShards);
      values[':gsi2pk'] = userStatusPk(ownerId, patch.status);
      assignments.push('GSI1PK = :gsi1pk', 'GSI2PK = :gsi2pk');
    }
    const condition = conditionFor(expectedVersion, values);
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { PK: userPk(ownerId), SK: taskSk(taskId) },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return toTask(Attributes ?? {});
    } catch (error) {
      throw await explainConditionFailure(error, ownerId, taskId, expectedVersion);
    }
  }

  async function remove(ownerId: string, taskId: string, expectedVersion?: number): Promise<void> {
    const values: Record<string, unknown> = {};
    const condition = conditionFor(expectedVersion, values);
    try {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { PK: userPk(ownerId), SK: taskSk(taskId) },
          ConditionExpression: condition,
          ...(expectedVersion === undefined
            ? {}
            : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: values }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      throw await explainConditionFailure(error, ownerId, taskId, expectedVersion);
    }
  }

  /**
   * A failed condition means "no such task" when there was no item and "stale version" when there was.
   * DynamoDB says which by returning the old item; engines without ReturnValuesOnConditionCheckFailure
   * (the embedded one) return nothing, so then one consistent read tells.
   */
  async function explainConditionFailure(error: unknown, ownerId: string, taskId: string, expectedVersion?: number): Promise<unknown> {
    if (!(error instanceof ConditionalCheckFailedException)) return error;
    if (error.Item) return new PreconditionFailedError();
    if (expectedVersion === undefined) return new NotFoundError();
    return (await get(ownerId, taskId)) ? new PreconditionFailedError() : new NotFoundError();
  }

  return {
    reserveTaskSlot,
    releaseTaskSlot,
    insert,
    claimIdempotencyKey,
    completeIdempotencyKey,
    get,
    listByOwner,
    listByStatus,
    update,
    delete: remove,
  };
}

function conditionFor(expectedVersion: number | undefined, values: Record<string, unknown>): string {
  if (expectedVersion === undefined) return 'attribute_exists(PK)';
  values[':expected'] = expectedVersion;
  return 'attribute_exists(PK) AND #version = :expected';
}

/** A task as the table stores it: the task, its owner and every key attribute. */
export function taskItem(ownerId: string, task: Task, statusShards: number): Item {
  return { ...taskKeys(ownerId, task.task_id, task.status, task.created_at, statusShards), entity: 'task', owner_id: ownerId, ...task };
}

/** The admin view's order: creation time, then task id (what the status index's sort key spells). */
function statusOrderKey(item: Item): string {
  return statusSk(String(item.created_at), String(item.task_id));
}

function statusCursorOf(cursor: Record<string, unknown> | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const after = cursor.after;
  if (Object.keys(cursor).length !== 1 || typeof after !== 'string' || !STATUS_CURSOR.test(after)) throw invalidPageToken();
  return after;
}

function pick(item: Item, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, item[key]]));
}

function toTask(item: Item): Task {
  return {
    task_id: String(item.task_id),
    title: String(item.title),
    description: String(item.description ?? ''),
    status: item.status as TaskStatus,
    created_at: String(item.created_at),
    updated_at: String(item.updated_at),
    version: Number(item.version),
  };
}
