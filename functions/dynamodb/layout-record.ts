/**
 * Where the status index keeps a status's tasks. Writers always use the configured shard count
 * (STATUS_SHARDS). Items written under an earlier count stay under their old keys until `make reshard`
 * moves them, and the backfill keeps a record of that in the table (`layoutKey()`):
 *
 *   no record                 every task may still be in the layout from before sharding (1 shard)
 *   settled at S              every task written before the record is in layout S
 *   moving from R to S        tasks are being moved out of R into S (the record holds the scan's checkpoint)
 *
 * The admin view reads every partition a task can be in: the configured layout and the recorded one(s).
 * During a move it reads in two rounds: first the partitions tasks move out of, then the ones they move
 * into, so a task moved between two reads is seen once or twice (and de-duplicated), never missed.
 */
import type { TaskStatus } from '../tasks/task.ts';
import { layoutIndexKeys, layoutKey, statusPartitions } from './keys.ts';
import { reshardMoves } from './shards.ts';

/** The shard count of tables written before sharding. */
export const UNSHARDED = 1;

export type LayoutRecord =
  | { state: 'settled'; shards: number }
  | {
      state: 'moving';
      from: number;
      shards: number;
      /** Where the backfill's scan goes on (its LastEvaluatedKey); undefined before the first batch. */
      checkpoint?: Record<string, unknown>;
      /** The scan is done; what is left is draining partitions the new layout no longer reads. */
      scanned: boolean;
      /** Tasks rewritten so far. */
      moved: number;
      batches: number;
      /** Bumps with every write of the record, each conditional on the one its writer read. */
      revision: number;
      /** The stand-ins of the batch being moved (their keys), for a resumed run to remove first. */
      inflight: Record<string, unknown>[];
    };

export function toLayoutRecord(item: Record<string, unknown>): LayoutRecord {
  const shards = Number(item.shards);
  if (item.state === 'moving') {
    return {
      state: 'moving',
      from: Number(item.from),
      shards,
      ...(item.checkpoint ? { checkpoint: item.checkpoint as Record<string, unknown> } : {}),
      scanned: item.scanned === true,
      moved: Number(item.moved ?? 0),
      batches: Number(item.batches ?? 0),
      revision: Number(item.revision ?? 0),
      inflight: Array.isArray(item.inflight) ? (item.inflight as Record<string, unknown>[]) : [],
    };
  }
  return { state: 'settled', shards };
}

/** The record as an item of the table (keyed so that it is also in the status index). */
export function layoutRecordItem(record: LayoutRecord, updatedAt: string): Record<string, unknown> {
  return { ...layoutKey(), ...layoutIndexKeys(), entity: 'layout', ...record, updated_at: updatedAt };
}

/**
 * The partitions of the status index to query for `status`, in rounds: the partitions of one round are
 * read in parallel, the rounds one after the other. Tasks only ever move from a partition of an earlier
 * round to one of a later round.
 */
export function readRounds(status: TaskStatus, configuredShards: number, record: LayoutRecord | undefined): string[][] {
  const recorded = record === undefined ? [UNSHARDED] : record.state === 'moving' ? [record.from, record.shards] : [record.shards];
  const every = new Set([configuredShards, ...recorded].flatMap((shards) => statusPartitions(status, shards)));
  if (record?.state !== 'moving') return [[...every]];
  const gaining = new Set(statusPartitions(status, record.shards, reshardMoves(record.from, record.shards).gaining));
  const first = [...every].filter((partition) => !gaining.has(partition));
  return [first, [...gaining]].filter((round) => round.length > 0);
}
