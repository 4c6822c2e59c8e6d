/** `npm run capacity`: the shard-balance simulation, the model's numbers, and what the command prints. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ULID_PATTERN } from '../../functions/tasks/schemas.ts';
import { routes } from '../../functions/routes.ts';
import { STAGE_DEFAULTS } from '../../infra/config.ts';
import { main } from '../../scripts/capacity.ts';
import { capacityReport, recommendShards, SHARD_SKEW } from '../../scripts/capacity/model.ts';
import { PRICES } from '../../scripts/capacity/prices.ts';
import { generateTaskIds, simulateShardLoad } from '../../scripts/capacity/simulation.ts';

// ---------------------------------------------------------------------------------------------------
const balance = suite('the shard function spreads task ids evenly');

balance(
  `a million generated task ids over prod's ${STAGE_DEFAULTS.prod.statusShards} shards: the busiest carries at most 1.1x the mean`,
  () => {
    const load = simulateShardLoad(STAGE_DEFAULTS.prod.statusShards, 1_000_000);

    assert.is(
      load.counts.reduce((sum, count) => sum + count, 0),
      1_000_000,
    );
    assert.ok(load.ratio <= SHARD_SKEW, `busiest shard at ${load.ratio} x the mean`);
  },
);

balance('every other shard count up to the maximum stays within the bound too (100,000 ids each)', () => {
  for (const shards of [2, 3, 5, 12, 16, 32, 64]) {
    const load = simulateShardLoad(shards, 100_000, shards);
    assert.ok(load.ratio <= SHARD_SKEW, `${shards} shards: busiest at ${load.ratio} x the mean`);
  }
});

balance('the generated ids are ULIDs as the API makes them: bursts in one millisecond that count up', () => {
  const ids: string[] = [];
  generateTaskIds(2000, 7, (id) => ids.push(id));

  assert.ok(ids.every((id) => ULID_PATTERN.test(id)));
  assert.equal([...ids].sort(), ids, 'in creation order');
  assert.ok(
    ids.some((id, index) => index > 0 && id.slice(0, 10) === ids[index - 1]?.slice(0, 10)),
    'same-millisecond bursts',
  );
});

balance('the simulation can fail: a shard taken from the id’s last character is caught', () => {
  const counts = new Array<number>(8).fill(0);
  generateTaskIds(100_000, 3, (id) => {
    const shard = id.charCodeAt(id.length - 1) % 8;
    counts[shard] = (counts[shard] as number) + 1;
  });
  assert.ok(Math.max(...counts) / (100_000 / 8) > SHARD_SKEW, 'a naive shard function is unbalanced on monotonic ids');
});

balance.run();

// ---------------------------------------------------------------------------------------------------
const model = suite('the capacity model');

model('3000 creates and 1500 status changes a second: 4,500 index writes on pending, 7 shards recommended', () => {
  const report = capacityReport({ creates: 3000, statusChanges: 1500, adminReads: 50, shards: 8 });

  assert.is(report.hottestStatusWrites, 4500);
  assert.is(report.recommendedShards, 7); // ceil(4500 × 1.1 / 800)
  const row = (key: string) => report.partitions.find((candidate) => candidate.key === key);
  assert.is(row('STATUS#pending#<shard>')?.writeUnits, (4500 / 8) * 1.1);
  assert.is(row('STATUS#pending')?.writeUnits, 4500, 'unsharded, the same load is 4.5x one partition');
  // An admin page: 8 queries of 51 one-KB tasks, eventually consistent: 8 × ceil(51/4) / 2.
  assert.is(report.costs.find((cost) => cost.operationId === 'adminListTasks')?.readUnits, 52);
  assert.is(row('STATUS#pending#<shard>')?.readUnits, 50 * 6.5, 'each admin page reads every shard once');
  assert.is(row('PK=USER#<sub>')?.writeUnits, 4.5);
});

model('recommendations: 1 shard while one partition suffices, the maximum flagged beyond it', () => {
  assert.equal(recommendShards(700), { shards: 1, beyondMaximum: false });
  assert.equal(recommendShards(800), { shards: 2, beyondMaximum: false });
  assert.equal(recommendShards(1_000_000).beyondMaximum, true);
});

model('every route of the route table has a cost per million requests, from the dated prices', () => {
  const report = capacityReport({ itemKb: 1, shards: 8 });

  assert.equal(
    report.costs.map((cost) => cost.operationId),
    routes.map((route) => route.operationId),
  );
  const create = report.costs.find((cost) => cost.operationId === 'createTask');
  assert.is(create?.writeUnits, 3);
  assert.is(create?.dynamoDb, 3 * PRICES.dynamoDb.perMillionWriteUnits);
  for (const cost of report.costs) {
    assert.ok(cost.total > cost.dynamoDb && cost.apiGateway === PRICES.apiGateway.perMillionRequests, cost.route);
  }
  assert.match(PRICES.asOf, /^\d{4}-\d{2}-\d{2}$/);
});

model('npm run capacity prints each partition key, the recommendation, the simulation and each route', () => {
  let printed = '';
  const code = main(['--creates', '3000', '--status-changes', '1500', '--admin-reads', '50', '--ids', '50000'], (text) => {
    printed += text;
  });

  assert.is(code, 0, printed);
  for (const key of ['PK=USER#<sub>', 'STATUS#pending#<shard>', 'USER#<sub>#STATUS#pending', 'META#STATUS_INDEX_LAYOUT'])
    assert.ok(printed.includes(key), key);
  assert.match(printed, /Recommended STATUS_SHARDS: 7/);
  assert.match(printed, /STATUS#pending +if unsharded +4,500\.0 +450 %.*THROTTLES/);
  assert.match(printed, /50,000 generated task ids over 7 shards, the busiest carries 1\.\d+ × the mean \(at most 1\.1\) ok/);
  for (const route of routes) assert.ok(printed.includes(`${route.method} ${route.path}`), route.path);
  assert.ok(printed.includes(PRICES.asOf));
});

model('bad input exits 2; a load beyond the maximum shard count exits 1', () => {
  const quiet = () => undefined;
  assert.is(main(['--creates', '-5'], quiet), 2);
  assert.is(main(['--creates', 'lots'], quiet), 2);
  assert.is(main(['--bogus', '1'], quiet), 2);
  assert.is(main(['--creates', '100000', '--ids', '1000'], quiet), 1);
});

model.run();
