/**
 * The shard-balance simulation: task ids as the API makes them (ULIDs from a monotonic factory, so bursts
 * in one millisecond differ only in their last characters, the hardest case for a hash) through the real
 * shard function, counting what each shard gets.
 */
import { shardOf } from '../../functions/dynamodb/shards.ts';
import { seeded } from '../random.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODES = Array.from(CROCKFORD, (char) => char.charCodeAt(0));

/**
 * Calls `visit` with `count` ULIDs: a clock that ticks 1-3 ms between bursts of 1-64 ids, each burst
 * starting at a random 80-bit value and counting up by one, as ulid's monotonicFactory does.
 */
export function generateTaskIds(count: number, seed: number, visit: (id: string) => void): void {
  const next = seeded(seed);
  const random = new Array<number>(16).fill(0);
  const suffix = new Array<number>(16).fill(0);
  let time = Date.UTC(2026, 0, 1);
  let prefix = '';
  let left = 0;
  for (let generated = 0; generated < count; generated++) {
    if (left === 0) {
      time += 1 + next(3);
      left = 1 + next(64);
      for (let index = 0; index < 16; index++) random[index] = next(32);
      prefix = '';
      for (let index = 0, rest = time; index < 10; index++, rest = Math.floor(rest / 32)) prefix = CROCKFORD.charAt(rest % 32) + prefix;
    } else {
      let index = 15;
      while (index >= 0 && random[index] === 31) random[index--] = 0;
      if (index >= 0) random[index] = (random[index] as number) + 1;
    }
    left--;
    for (let index = 0; index < 16; index++) suffix[index] = CODES[random[index] as number] as number;
    visit(prefix + String.fromCharCode(...suffix));
  }
}

export interface ShardLoad {
  ids: number;
  shards: number;
  counts: number[];
  mean: number;
  max: number;
  /** The busiest shard's load over the mean: 1 is perfect balance. */
  ratio: number;
}

export function simulateShardLoad(shards: number, ids = 1_000_000, seed = 20_260_101): ShardLoad {
  const counts = new Array<number>(shards).fill(0);
  generateTaskIds(ids, seed, (id) => {
    const shard = shardOf(id, shards);
    counts[shard] = (counts[shard] as number) + 1;
  });
  const mean = ids / shards;
  const max = Math.max(...counts);
  return { ids, shards, counts, mean, max, ratio: max / mean };
}
