/**
 * `npm run capacity -- --creates 3000 --status-changes 1500 --admin-reads 50`: per table and index
 * partition key, the expected peak write and read units a second against DynamoDB's per-partition limits;
 * the status-index shard count that carries the load; a simulation of a million task ids through the shard
 * function (the busiest shard must carry at most 1.1x the mean); and each route's on-demand cost per
 * million requests. Exits 1 when the simulation fails that bound or the load is beyond the maximum count.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { STAGE_DEFAULTS } from '../infra/config.ts';
import { type CapacityReport, capacityReport, DEFAULT_LOAD, type Load, SHARD_SKEW, TARGET_UTILIZATION } from './capacity/model.ts';
import { PARTITION_LIMITS, PRICES } from './capacity/prices.ts';
import { simulateShardLoad } from './capacity/simulation.ts';

const FLAGS: Record<string, { key: keyof Load; help: string }> = {
  creates: { key: 'creates', help: 'peak creates a second' },
  'status-changes': { key: 'statusChanges', help: 'peak status changes a second' },
  'admin-reads': { key: 'adminReads', help: 'peak admin pages a second' },
  'user-reads': { key: 'userReads', help: 'peak pages of users’ own lists a second' },
  users: { key: 'users', help: `users active at the peak (default ${DEFAULT_LOAD.users})` },
  'item-kb': { key: 'itemKb', help: `average task size in KB (default ${DEFAULT_LOAD.itemKb})` },
  'page-size': { key: 'pageSize', help: `page size (default ${DEFAULT_LOAD.pageSize})` },
  'idempotent-share': { key: 'idempotentShare', help: 'share of creates with an Idempotency-Key, 0-1 (default 0)' },
  shards: { key: 'shards', help: `status-index shards to evaluate (default prod's ${STAGE_DEFAULTS.prod.statusShards})` },
  'lambda-memory-mb': { key: 'lambdaMemoryMb', help: `Lambda memory (default ${DEFAULT_LOAD.lambdaMemoryMb})` },
  'lambda-ms': { key: 'lambdaMs', help: `average billed Lambda duration in ms (default ${DEFAULT_LOAD.lambdaMs})` },
};

export const USAGE = `Usage: npm run capacity -- --creates <n> --status-changes <n> --admin-reads <n> [options]

${Object.entries(FLAGS)
  .map(([flag, { help }]) => `  --${flag.padEnd(18)} ${help}`)
  .join('\n')}
  --ids <n>              task ids in the shard simulation (default 1000000)
`;

export function main(argv: string[], print: (text: string) => void = (text) => process.stdout.write(text)): number {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
        ids: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (error) {
    print(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const load: Partial<Load> = { shards: STAGE_DEFAULTS.prod.statusShards };
  for (const [flag, { key }] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      print(`--${flag} must be a number of at least 0, got "${raw}"\n`);
      return 2;
    }
    load[key] = value;
  }
  const ids = Number(values.ids ?? 1_000_000);
  const report = capacityReport(load);
  const simulation = simulateShardLoad(report.recommendedShards, ids);
  print(render(report, simulation));
  const balanced = report.recommendedShards === 1 || simulation.ratio <= SHARD_SKEW;
  return balanced && !report.beyondMaximum ? 0 : 1;
}

const number = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percent = (value: number, limit: number) => `${number((100 * value) / limit)} %`;

export function render(report: CapacityReport, simulation: ReturnType<typeof simulateShardLoad>): string {
  const { load } = report;
  const lines: string[] = [];
  lines.push(
    `Capacity at the peak: ${number(load.creates)} creates/s, ${number(load.statusChanges)} status changes/s, ${number(load.adminReads)} admin pages/s, ${number(load.userReads)} user pages/s`,
    `  (${number(load.users)} users, ${load.itemKb} KB tasks, pages of ${load.pageSize}, ${load.shards} status-index shards; per partition key value DynamoDB serves ${number(PARTITION_LIMITS.writeUnitsPerSecond)} write and ${number(PARTITION_LIMITS.readUnitsPerSecond)} read units a second)`,
    '',
  );
  const table = [['', 'partition key', 'per', 'write units/s', 'of limit', 'read units/s', 'of limit', '']];
  for (const row of report.partitions) {
    const over = row.writeUnits > PARTITION_LIMITS.writeUnitsPerSecond || row.readUnits > PARTITION_LIMITS.readUnitsPerSecond;
    table.push([
      row.where,
      row.key,
      row.per,
      number(row.writeUnits, 1),
      percent(row.writeUnits, PARTITION_LIMITS.writeUnitsPerSecond),
      number(row.readUnits, 1),
      percent(row.readUnits, PARTITION_LIMITS.readUnitsPerSecond),
      over ? 'THROTTLES' : '',
    ]);
  }
  lines.push(...columns(table), '');
  lines.push(
    `Recommended STATUS_SHARDS: ${report.recommendedShards}${report.beyondMaximum ? ' (the maximum; this load needs more than one status index can give)' : ''}`,
    `  = ceil(busiest status ${number(report.hottestStatusWrites)} write units/s × ${SHARD_SKEW} skew / (${number(PARTITION_LIMITS.writeUnitsPerSecond)} × ${TARGET_UTILIZATION * 100} %)); evaluated above: ${load.shards}`,
    `  An admin page costs one query per shard: ${report.costs.find((cost) => cost.operationId === 'adminListTasks')?.readUnits} read units at ${load.shards} shards.`,
    `Shard balance: ${number(simulation.ids)} generated task ids over ${simulation.shards} shards, the busiest carries ${simulation.ratio.toFixed(4)} × the mean (at most ${SHARD_SKEW}) ${simulation.ratio <= SHARD_SKEW ? 'ok' : 'FAILED'}`,
    '',
    `On-demand cost per million requests (USD, ${PRICES.region} list prices as of ${PRICES.asOf}; Lambda ${load.lambdaMemoryMb} MB × ${load.lambdaMs} ms arm64):`,
  );
  const costs = [['route', 'write units', 'read units', 'DynamoDB', 'Lambda', 'API Gateway', 'total', '']];
  for (const cost of report.costs) {
    costs.push([
      cost.route,
      number(cost.writeUnits, 1),
      number(cost.readUnits, 1),
      number(cost.dynamoDb, 2),
      number(cost.lambda, 2),
      number(cost.apiGateway, 2),
      number(cost.total, 2),
      cost.note,
    ]);
  }
  lines.push(...columns(costs));
  return `${lines.join('\n')}\n`;
}

/** Left-aligned text columns, numbers right-aligned. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (/^[\d,.]+( %)?$/.test(cell) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
