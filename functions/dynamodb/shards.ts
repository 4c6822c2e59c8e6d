/**
 * Write sharding of the status index (GSI1). A task's shard is a stable function of its id alone, so a
 * status change keeps the shard number and moves the task between `STATUS#<old>#<n>` and `STATUS#<new>#<n>`.
 *
 * The function is jump consistent hashing (Lamping & Veach, 2014) over a 32-bit hash of the id: the
 * load is uniform, and changing the shard count from `a` to `b` moves only the tasks that must move
 * (|1 - a/b| of them), always out of shards that only lose tasks and into shards that only gain them
 * (see `reshardMoves`). That last property is what lets the admin view stay correct during a reshard.
 */

/** Upper bound of STATUS_SHARDS: an admin page costs one query per shard. */
export const MAX_STATUS_SHARDS = 64;

/** FNV-1a over the UTF-16 code units, then murmur3's finalizer so that every output bit depends on every input bit. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Jump consistent hash of a 32-bit key into `buckets` buckets. The pseudo-random sequence is a 32-bit
 * xorshift seeded by the key, so the same key always walks the same jumps.
 */
export function jumpHash(key: number, buckets: number): number {
  let state = key >>> 0 || 0x9e3779b9;
  let bucket = 0;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    // A uniform draw from (0, 1]: the next bucket this key jumps to as the count grows.
    next = Math.floor((bucket + 1) / ((state + 1) / 0x1_0000_0000));
  }
  return bucket;
}

/** The shard (0 … shards-1) of a task in the status index. */
export function shardOf(taskId: string, shards: number): number {
  return shards <= 1 ? 0 : jumpHash(hash32(taskId), shards);
}

/** Checks a shard count (from configuration or a command line); throws with the reason otherwise. */
export function checkShardCount(value: number, name = 'STATUS_SHARDS'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_STATUS_SHARDS) {
    throw new Error(`${name} must be a whole number from 1 to ${MAX_STATUS_SHARDS}, got ${value}`);
  }
  return value;
}

/**
 * Which shard numbers lose tasks and which gain them when the count goes from `from` to `to`. With
 * jump hashing the two never overlap: growing moves tasks only into the new shards, shrinking only out
 * of the removed ones. A count of 1 is the unsharded key (`STATUS#<status>`), which shares no
 * partition with the sharded ones, so every task moves.
 */
export function reshardMoves(from: number, to: number): { losing: number[]; gaining: number[] } {
  const range = (start: number, end: number) => Array.from({ length: Math.max(0, end - start) }, (_, index) => start + index);
  if (from === to) return { losing: [], gaining: [] };
  if (from === 1 || to === 1) return { losing: range(0, from), gaining: range(0, to) };
  return to > from ? { losing: range(0, from), gaining: range(from, to) } : { losing: range(to, from), gaining: range(0, to) };
}
