/**
 * The status index's backfill (`make reshard`): moves every task to the keys of a new shard count, and
 * rewrites pre-sharding sort keys (`<created_at>`) to `<created_at>#<taskId>` on the way. An operator
 * tool, never a request path: it is the one place that scans the table.
 *
 *   1. announce: the layout record says "moving from R to S", then wait until every function instance has
 *      dropped the layout it cached (and, in AWS, until invocations that started before have ended);
 *      from then on the admin view reads both layouts, in the order that never misses a moving task;
 *   2. scan the table in bounded batches; each task whose status-index keys differ is rewritten with
 *      one UpdateItem conditioned on the version it was read at (a concurrent update wins: the task is
 *      read again and retried); the version itself is not bumped, so no client's If-Match breaks;
 *      after each batch the scan's position is checkpointed in the record, on condition that the
 *      record is as this run last wrote it (two runs cannot interleave);
 *   3. drain: query the partitions of R that S does not have, for tasks a writer still on the old count
 *      put there during the scan;
 *   4. settle: the record says "settled at S"; the admin view reads S (and the configured count) only.
 *
 * Interrupted anywhere, running it again with the same count goes on from the last checkpoint: every
 * step is idempotent (a task already at its keys is skipped).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TASK_STATUSES, type TaskStatus } from '../tasks/task.ts';
import { layoutKey, statusIndexKeys, statusPartitions } from './keys.ts';
import { type LayoutRecord, layoutRecordItem, toLayoutRecord, UNSHARDED } from './layout-record.ts';
import { checkShardCount, reshardMoves } from './shards.ts';
import { LAYOUT_CACHE_MS } from './status-layout.ts';
import { STATUS_INDEX } from './table-design.ts';

type Item = Record<string, unknown>;
type Moving = Extract<LayoutRecord, { state: 'moving' }>;

export interface ReshardOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The new shard count: the STATUS_SHARDS the functions were deployed with. */
  shards: number;
  /** Items per scan page (and per checkpoint). */
  batchSize?: number;
  /** Writes in flight at once within a batch. */
  concurrency?: number;
  /** Pause between batches, to leave the table's capacity to the API. */
  pauseMs?: number;
  /** Wait after announcing a move, before moving anything. */
  settleMs?: number;
  /** Stop (resumably) after this many batches: slices of a long move, and the interruption tests. */
  maxBatches?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface ReshardResult {
  /** settled: the move is finished; moving: stopped at maxBatches, run again to go on. */
  state: LayoutRecord['state'];
  from: number;
  shards: number;
  /** Tasks rewritten by this run. */
  moved: number;
  batches: number;
}

/** The default wait after announcing a move: the functions' layout cache, with a margin. */
export const DEFAULT_SETTLE_MS = LAYOUT_CACHE_MS + 2_000;

export class ReshardConflictError extends Error {
  override name = 'ReshardConflictError';
}

export async function reshard(options: ReshardOptions): Promise<ReshardResult> {
  const { client, tableName, batchSize = 100, concurrency = 8, pauseMs = 0, settleMs = DEFAULT_SETTLE_MS } = options;
  const shards = checkShardCount(options.shards, 'the shard count');
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  let movedThisRun = 0;
  let batchesThisRun = 0;

  const current = await readRecord();
  let record: Moving;
  if (current?.state === 'moving') {
    if (current.shards !== shards) {
      throw new ReshardConflictError(
        `A move from ${current.from} to ${current.shards} shards is under way; finish it first (make reshard SHARDS=${current.shards})`,
      );
    }
    record = current;
    log(`Resuming the move from ${record.from} to ${shards} shards: ${record.moved} tasks moved in ${record.batches} batches so far.`);
  } else {
    const from = current?.shards ?? UNSHARDED;
    if (current?.state === 'settled' && current.shards === shards) {
      log(`The status index is already settled at ${shards} shards: nothing to do.`);
      return { state: 'settled', from, shards, moved: 0, batches: 0 };
    }
    record = { state: 'moving', from, shards, scanned: false, moved: 0, batches: 0 };
    await writeRecord(record, current);
    log(`Moving the status index from ${from} to ${shards} shards. Waiting ${Math.round(settleMs / 1000)} s for the functions to see it…`);
    await sleep(settleMs);
  }

  while (!record.scanned) {
    if (options.maxBatches !== undefined && batchesThisRun >= options.maxBatches) return stopped(record);
    const { Items = [], LastEvaluatedKey } = await client.send(
      new ScanCommand({ TableName: tableName, Limit: batchSize, ...(record.checkpoint ? { ExclusiveStartKey: record.checkpoint } : {}) }),
    );
    const moved = await moveAll(Items.filter(isTask));
    const next: Moving = {
      state: 'moving',
      from: record.from,
      shards,
      scanned: LastEvaluatedKey === undefined,
      moved: record.moved + moved,
      batches: record.batches + 1,
      ...(LastEvaluatedKey ? { checkpoint: LastEvaluatedKey } : {}),
    };
    await writeRecord(next, record);
    record = next;
    movedThisRun += moved;
    batchesThisRun++;
    log(`batch ${record.batches}: ${Items.length} items read, ${moved} tasks moved (${record.moved} in all)`);
    if (pauseMs > 0 && !record.scanned) await sleep(pauseMs);
  }

  const drained = await drain(record);
  const settled: LayoutRecord = { state: 'settled', shards };
  await writeRecord(settled, record);
  log(`Settled at ${shards} shards: ${record.moved + drained} tasks moved${drained ? ` (${drained} drained from the old partitions)` : ''}.`);
  return { state: 'settled', from: record.from, shards, moved: movedThisRun + drained, batches: batchesThisRun };

  function stopped(at: Moving): ReshardResult {
    log(`Stopped after ${batchesThisRun} batches; run it again to go on.`);
    return { state: 'moving', from: at.from, shards, moved: movedThisRun, batches: batchesThisRun };
  }

  async function readRecord(): Promise<LayoutRecord | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: layoutKey(), ConsistentRead: true }));
    return Item ? toLayoutRecord(Item) : undefined;
  }

  /** Replaces the record, on condition that it is still `expected` (or absent): a second run fails here. */
  async function writeRecord(next: LayoutRecord, expected: LayoutRecord | undefined): Promise<void> {
    const names: Record<string, string> = { '#state': 'state', '#shards': 'shards' };
    const values: Item = {};
    let condition = 'attribute_not_exists(PK)';
    if (expected) {
      values[':state'] = expected.state;
      values[':shards'] = expected.shards;
      condition = '#state = :state AND #shards = :shards';
      if (expected.state === 'moving') {
        names['#batches'] = 'batches';
        values[':batches'] = expected.batches;
        condition += ' AND #batches = :batches';
      }
    }
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: layoutRecordItem(next, now().toISOString()),
          ConditionExpression: condition,
          ...(expected ? { ExpressionAttributeNames: names, ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ReshardConflictError('The layout record changed under this run: is another `make reshard` running?');
      }
      throw error;
    }
  }

  /** Moves the tasks whose keys differ, `concurrency` at a time; returns how many it rewrote. */
  async function moveAll(items: Item[]): Promise<number> {
    let moved = 0;
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++] as Item;
        if (await moveTask(item)) moved++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return moved;
  }

  /** One task to its keys under `shards`; a concurrent update wins and the task is read again. */
  async function moveTask(seen: Item): Promise<boolean> {
    let item: Item | undefined = seen;
    for (let attempt = 0; item && attempt < 5; attempt++) {
      const wanted = statusIndexKeys(String(item.task_id), item.status as TaskStatus, String(item.created_at), shards);
      if (item.GSI1PK === wanted.GSI1PK && item.GSI1SK === wanted.GSI1SK) return false;
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { PK: item.PK, SK: item.SK },
            UpdateExpression: 'SET GSI1PK = :pk, GSI1SK = :sk',
            ConditionExpression: 'attribute_exists(PK) AND #version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':pk': wanted.GSI1PK, ':sk': wanted.GSI1SK, ':version': item.version },
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Updated (or deleted) since it was read: go again from what is stored now.
        item = (await client.send(new GetCommand({ TableName: tableName, Key: { PK: item.PK, SK: item.SK }, ConsistentRead: true }))).Item;
      }
    }
    if (item) throw new Error(`Task ${String(item.SK)} kept changing while it was being moved; run the backfill again`);
    return false;
  }

  /** Tasks left in partitions the new layout does not read (written by a function still on the old count). */
  async function drain(at: Moving): Promise<number> {
    const { losing } = reshardMoves(at.from, shards);
    let drained = 0;
    for (const status of TASK_STATUSES) {
      const kept = new Set(statusPartitions(status, shards));
      for (const partition of statusPartitions(status, at.from, losing).filter((pk) => !kept.has(pk))) {
        let start: Item | undefined;
        do {
          const { Items = [], LastEvaluatedKey } = await client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: STATUS_INDEX,
              KeyConditionExpression: 'GSI1PK = :pk',
              ExpressionAttributeValues: { ':pk': partition },
              Limit: batchSize,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          drained += await moveAll(Items.filter(isTask));
          start = LastEvaluatedKey;
        } while (start);
      }
    }
    return drained;
  }
}

function isTask(item: Item): boolean {
  return item.entity === 'task' && typeof item.task_id === 'string' && (TASK_STATUSES as readonly unknown[]).includes(item.status);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
