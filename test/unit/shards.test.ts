/** The status index's shard function, its keys, and which partitions the admin view reads in which order. */
import { ulid } from 'ulid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statusIndexKeys, statusPk } from '../../functions/dynamodb/keys.ts';
import { type LayoutRecord, readRounds } from '../../functions/dynamodb/layout-record.ts';
import { readConfig, SettingError } from '../../functions/config/env.ts';
import { checkShardCount, MAX_STATUS_SHARDS, reshardMoves, shardOf } from '../../functions/dynamodb/shards.ts';

const IDS = Array.from({ length: 4000 }, () => ulid());

// ---------------------------------------------------------------------------------------------------
const shards = suite('the shard of a task');

shards('is a stable number below the shard count, 0 for an unsharded index', () => {
  for (const id of IDS.slice(0, 500)) {
    for (const count of [1, 2, 3, 8, 64]) {
      const shard = shardOf(id, count);
      assert.ok(Number.isInteger(shard) && shard >= 0 && shard < count, `${id} → ${shard} of ${count}`);
      assert.is(shardOf(id, count), shard);
    }
    assert.is(shardOf(id, 1), 0);
  }
});

shards('keys: STATUS#<status>#<shard>, or STATUS#<status> with one shard; a status change keeps the shard', () => {
  assert.is(statusPk('pending', 0, 1), 'STATUS#pending');
  assert.is(statusPk('in_progress', 5, 8), 'STATUS#in_progress#5');
  for (const id of IDS.slice(0, 200)) {
    const pending = statusIndexKeys(id, 'pending', '2026-01-01T00:00:00.000Z', 8);
    const done = statusIndexKeys(id, 'done', '2026-01-01T00:00:00.000Z', 8);
    assert.is(pending.GSI1PK.replace('pending', 'done'), done.GSI1PK);
    assert.is(pending.GSI1SK, `2026-01-01T00:00:00.000Z#${id}`);
  }
});

shards('changing the count moves only the tasks that must move, out of losing shards into gaining ones', () => {
  for (const [from, to] of [
    [2, 3],
    [8, 16],
    [16, 8],
    [8, 12],
    [12, 5],
    [1, 8],
    [8, 1],
  ] as const) {
    const { losing, gaining } = reshardMoves(from, to);
    assert.equal(
      losing.filter((shard) => gaining.includes(shard) && from > 1 && to > 1),
      [],
      `${from}→${to}: no shard both loses and gains`,
    );
    let moved = 0;
    for (const id of IDS) {
      const before = shardOf(id, from);
      const after = shardOf(id, to);
      if (from > 1 && to > 1 && before === after) continue;
      moved++;
      assert.ok(losing.includes(before), `${from}→${to}: ${id} leaves shard ${before}, not a losing shard`);
      assert.ok(gaining.includes(after), `${from}→${to}: ${id} enters shard ${after}, not a gaining shard`);
    }
    const expected = from === 1 || to === 1 ? 1 : Math.abs(1 - Math.min(from, to) / Math.max(from, to));
    assert.ok(Math.abs(moved / IDS.length - expected) < 0.04, `${from}→${to}: ${moved / IDS.length} moved, about ${expected} expected`);
  }
});

shards('counts are whole numbers from 1 to the maximum', () => {
  assert.is(checkShardCount(1), 1);
  assert.is(checkShardCount(MAX_STATUS_SHARDS), MAX_STATUS_SHARDS);
  for (const bad of [0, -1, 1.5, MAX_STATUS_SHARDS + 1, Number.NaN]) assert.throws(() => checkShardCount(bad), /STATUS_SHARDS must be/);
});

shards('a function reads STATUS_SHARDS as every other setting: unset is 1, a bad value is a SettingError naming it', () => {
  assert.is(readConfig({ TABLE_NAME: 't' }).statusShards, 1);
  assert.is(readConfig({ TABLE_NAME: 't', STATUS_SHARDS: '8' }).statusShards, 8);
  for (const bad of ['0', '65', '2.5', 'eight']) {
    assert.throws(
      () => readConfig({ TABLE_NAME: 't', STATUS_SHARDS: bad }),
      (error: unknown) => error instanceof SettingError && /^STATUS_SHARDS must be/.test(error.message),
    );
  }
});

shards.run();

// ---------------------------------------------------------------------------------------------------
const rounds = suite('the partitions an admin page reads');
const sorted = (list: string[][]) => list.map((round) => [...round].sort());
const all = (status: string, count: number) => Array.from({ length: count }, (_, shard) => `STATUS#${status}#${shard}`);

rounds('no record yet: the configured shards and the unsharded partition, in one round', () => {
  assert.equal(sorted(readRounds('pending', 8, undefined)), [[...all('pending', 8), 'STATUS#pending'].sort()]);
  assert.equal(readRounds('done', 1, undefined), [['STATUS#done']]);
});

rounds('settled at the configured count: exactly its shards; at another count: the union, each partition once', () => {
  assert.equal(sorted(readRounds('pending', 8, { state: 'settled', shards: 8 })), [all('pending', 8).sort()]);
  assert.equal(sorted(readRounds('pending', 8, { state: 'settled', shards: 4 })), [all('pending', 8).sort()]);
  assert.equal(sorted(readRounds('pending', 2, { state: 'settled', shards: 1 })), [[...all('pending', 2), 'STATUS#pending'].sort()]);
});

rounds('moving: every partition a task leaves is read in a round before every partition it may enter', () => {
  for (const [from, to, configured] of [
    [1, 8, 8],
    [8, 1, 1],
    [8, 16, 16],
    [16, 8, 8],
    [8, 12, 12],
    [8, 12, 8],
  ] as const) {
    const record: LayoutRecord = { state: 'moving', from, shards: to, scanned: false, moved: 0, batches: 0, revision: 0, inflight: [] };
    const plan = readRounds('pending', configured, record);
    const roundOf = (partition: string) => plan.findIndex((round) => round.includes(partition));
    for (const id of IDS.slice(0, 1000)) {
      const leaves = statusIndexKeys(id, 'pending', 'x', from).GSI1PK;
      const enters = statusIndexKeys(id, 'pending', 'x', to).GSI1PK;
      assert.ok(roundOf(leaves) >= 0 && roundOf(enters) >= 0, `${from}→${to}: ${leaves} and ${enters} are read`);
      if (leaves !== enters) assert.ok(roundOf(leaves) < roundOf(enters), `${from}→${to}: ${leaves} before ${enters}`);
    }
    const every = plan.flat();
    assert.is(new Set(every).size, every.length, 'each partition once');
  }
});

rounds.run();
