/**
 * The status index's backfill (`make reshard`): moves every task to the keys of a new shard count, and
 * rewrites pre-sharding sort keys (`<created_at>`) to `<created_at>#<taskId>` on the way. An operator
 * tool, never a request path: it is the one place that scans the table.
 *
 *   1. announce: the layout record says "moving from R to S", then wait until every function instance has
 *      dropped the layout it cached; from then on the admin view reads both layouts, the partitions tasks
 *      leave before the ones they enter;
 *   2. scan the table in bounded batches. A moving task is never out of the index for a moment (an index
 *      entry that changes key is deleted from one partition and put into another, and a read between the
 *      two would miss it): make before break. The batch's stand-ins (copies of the tasks under their new
 *      keys, beside them in the owner's partition) are listed in the record, then written; then each task
 *      is rewritten with one UpdateItem conditioned on the version it was read at (a concurrent update
 *      wins: the task is read again and retried; its version is not bumped, so no If-Match breaks); then
 *      the stand-ins are deleted. The admin view returns a task and its stand-in once. After each batch the
 *      scan's position is checkpointed in the record, on condition that the record is as this run last
 *      wrote it (two runs cannot interleave);
 *   3. drain: query the partitions of R that S does not have, for tasks a writer still on the old count
 *      put there during the scan, and move them the same way;
 *   4. settle: the record says "settled at S"; the admin view reads S (and the configured count) only.
 *
 * Interrupted anywhere, running it again with the same count removes the stand-ins the record lists and
 * goes on from the last checkpoint: every step is idempotent (a task already at its keys is skipped).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TASK_STATUSES, type TaskStatus } from '../tasks/task.ts';
import { layoutKey, standInKey, statusIndexKeys, statusPartitions } from './keys.ts';
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
  /**
   * Wait after writing a batch's stand-ins and after moving its tasks, for the index to show the writes
   * (DynamoDB propagates to an index asynchronously, normally within a fraction of a second; the
   * embedded engine at once).
   */
  propagationMs?: number;
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
  const { client, tableName, batchSize = 100, concurrency = 8, pauseMs = 0, settleMs = DEFAULT_SETTLE_MS, propagationMs = 0 } = options;
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
    // The interrupted batch's tasks are all still at their old keys or already at their new ones.
    await inParallel(record.inflight, (key) => client.send(new DeleteCommand({ TableName: tableName, Key: key })));
  } else {
    const from = current?.shards ?? UNSHARDED;
    if (current?.state === 'settled' && current.shards === shards) {
      log(`The status index is already settled at ${shards} shards: nothing to do.`);
      return { state: 'settled', from, shards, moved: 0, batches: 0 };
    }
    record = { state: 'moving', from, shards, scanned: false, moved: 0, batches: 0, revision: 0, inflight: [] };
    await writeRecord(record, current);
    log(`Moving the status index from ${from} to ${shards} shards. Waiting ${Math.round(settleMs / 1000)} s for the functions to see it…`);
    await sleep(settleMs);
  }

  while (!record.scanned) {
    if (options.maxBatches !== undefined && batchesThisRun >= options.maxBatches) return stopped(record);
    const { Items = [], LastEvaluatedKey } = await client.send(
      new ScanCommand({ TableName: tableName, Limit: batchSize, ...(record.checkpoint ? { ExclusiveStartKey: record.checkpoint } : {}) }),
    );
    const moved = await moveBatch(Items);
    const { checkpoint: _done, ...rest } = record;
    await replaceRecord({
      ...rest,
      scanned: LastEvaluatedKey === undefined,
      moved: record.moved + moved,
      batches: record.batches + 1,
      inflight: [],
      ...(LastEvaluatedKey ? { checkpoint: LastEvaluatedKey } : {}),
    });
    movedThisRun += moved;
    batchesThisRun++;
    log(`batch ${record.batches}: ${Items.length} items read, ${moved} tasks moved (${record.moved} in all)`);
    if (pauseMs > 0 && !record.scanned) await sleep(pauseMs);
  }

  const drained = await drain();
  await writeRecord({ state: 'settled', shards }, record);
  log(
    `Settled at ${shards} shards: ${record.moved + drained} tasks moved${drained ? ` (${drained} drained from the old partitions)` : ''}.`,
  );
  return { state: 'settled', from: record.from, shards, moved: movedThisRun + drained, batches: batchesThisRun };

  function stopped(at: Moving): ReshardResult {
    log(`Stopped after ${batchesThisRun} batches; run it again to go on.`);
    return { state: 'moving', from: at.from, shards, moved: movedThisRun, batches: batchesThisRun };
  }

  async function readRecord(): Promise<LayoutRecord | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: layoutKey(), ConsistentRead: true }));
    return Item ? toLayoutRecord(Item) : undefined;
  }

  /** The next revision of the moving record. */
  async function replaceRecord(next: Omit<Moving, 'revision'>): Promise<void> {
    const written: Moving = { ...next, revision: record.revision + 1 };
    await writeRecord(written, record);
    record = written;
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
        names['#revision'] = 'revision';
        values[':revision'] = expected.revision;
        condition += ' AND #revision = :revision';
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

  /** Make before break: stand-ins at the new keys, then the tasks, then the stand-ins away. */
  async function moveBatch(items: Item[]): Promise<number> {
    const tasks = items.filter((item) => isTask(item) && !atWantedKeys(item));
    if (tasks.length === 0) return 0;
    await replaceRecord({ ...record, inflight: tasks.map(standInKeyOf) });
    await inParallel(tasks, putStandIn);
    await sleep(propagationMs);
    let moved = 0;
    await inParallel(tasks, async (task) => {
      if (await moveTask(task)) moved++;
    });
    await sleep(propagationMs);
    await inParallel(tasks, (task) => client.send(new DeleteCommand({ TableName: tableName, Key: standInKeyOf(task) })));
    return moved;
  }

  function wantedKeys(item: Item) {
    return statusIndexKeys(String(item.task_id), item.status as TaskStatus, String(item.created_at), shards);
  }

  function atWantedKeys(item: Item): boolean {
    const wanted = wantedKeys(item);
    return item.GSI1PK === wanted.GSI1PK && item.GSI1SK === wanted.GSI1SK;
  }

  function standInKeyOf(item: Item) {
    return standInKey(String(item.owner_id), String(item.task_id));
  }

  /** The task as it is, under its new status-index keys, in its stand-in's place and with no user-index keys. */
  async function putStandIn(item: Item): Promise<void> {
    const { PK: _pk, SK: _sk, GSI2PK: _gsi2pk, GSI2SK: _gsi2sk, ...task } = item;
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...task, ...standInKeyOf(item), ...wantedKeys(item), entity: 'stand-in' } }),
    );
  }

  /** One task to its new keys; a concurrent update wins, and the task (and its stand-in) are read and written again. */
  async function moveTask(seen: Item): Promise<boolean> {
    let item: Item | undefined = seen;
    for (let attempt = 0; item && attempt < 5; attempt++) {
      if (atWantedKeys(item)) return false;
      const wanted = wantedKeys(item);
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
        if (item && !atWantedKeys(item)) {
          await putStandIn(item);
          await sleep(propagationMs);
        }
      }
    }
    if (item) throw new Error(`Task ${String(item.SK)} kept changing while it was being moved; run the backfill again`);
    return false;
  }

  /** Tasks left in partitions the new layout does not read (written by a function still on the old count). */
  async function drain(): Promise<number> {
    const { losing } = reshardMoves(record.from, shards);
    let drained = 0;
    for (const status of TASK_STATUSES) {
      const kept = new Set(statusPartitions(status, shards));
      for (const partition of statusPartitions(status, record.from, losing).filter((pk) => !kept.has(pk))) {
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
          const moved = await moveBatch(Items);
          if (record.inflight.length > 0) await replaceRecord({ ...record, moved: record.moved + moved, inflight: [] });
          drained += moved;
          start = LastEvaluatedKey;
        } while (start);
      }
    }
    return drained;
  }

  /** Runs `work` over `items`, `concurrency` at a time. */
  async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await work(items[next++] as T);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  }
}

function isTask(item: Item): boolean {
  return item.entity === 'task' && typeof item.task_id === 'string' && (TASK_STATUSES as readonly unknown[]).includes(item.status);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
