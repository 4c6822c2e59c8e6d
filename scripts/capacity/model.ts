/**
 * The capacity model behind `npm run capacity`: from a peak load, the write and read units every table and
 * index partition key takes per second against DynamoDB's per-partition limits, the status-index shard
 * count that keeps the busiest status under them, and what each route costs on demand.
 *
 * Units (on demand): a write unit per KB written (rounded up, per item); a read unit per 4 KB read
 * strongly consistently, half of one eventually consistently (queries of the table and of the indexes
 * here are eventually consistent; GetItem is strongly consistent). Index writes cost like table writes:
 * both indexes project every attribute, so each index entry is the whole task.
 */
import { type RouteName, routes } from '../../functions/routes.ts';
import { MAX_STATUS_SHARDS } from '../../functions/dynamodb/shards.ts';
import { LAYOUT_CACHE_MS } from '../../functions/dynamodb/status-layout.ts';
import { PAGE_LIMIT_DEFAULT } from '../../functions/contract/parameters.ts';
import { PARTITION_LIMITS, PRICES } from './prices.ts';

export interface Load {
  /** Peak creates a second (new tasks start as pending). */
  creates: number;
  /** Peak status changes a second. */
  statusChanges: number;
  /** Peak admin pages a second (GET /admin/tasks). */
  adminReads: number;
  /** Peak pages of users' own lists a second (GET /tasks). */
  userReads: number;
  /** Users active at the peak, over whom the per-user partitions share the load. */
  users: number;
  /** Average task item size in KB (title, description, keys). */
  itemKb: number;
  /** Admin (and user) page size. */
  pageSize: number;
  /** Share of creates that send an Idempotency-Key (0-1): two more writes each. */
  idempotentShare: number;
  /** The status-index shard count to evaluate. */
  shards: number;
  /** Lambda memory and average billed duration, for the cost per request. */
  lambdaMemoryMb: number;
  lambdaMs: number;
}

/** Plan for the busiest shard at this share of its partition's limit: headroom for bursts and skew. */
export const TARGET_UTILIZATION = 0.8;
/** The worst shard's load over the mean that the shard function guarantees (proven by the simulation). */
export const SHARD_SKEW = 1.1;

export const DEFAULT_LOAD: Load = {
  creates: 0,
  statusChanges: 0,
  adminReads: 0,
  userReads: 0,
  users: 1_000,
  itemKb: 1,
  pageSize: PAGE_LIMIT_DEFAULT,
  idempotentShare: 0,
  shards: 8,
  lambdaMemoryMb: 512,
  lambdaMs: 50,
};

export interface PartitionRow {
  where: 'table' | 'GSI1' | 'GSI2';
  key: string;
  /** What one row stands for: "each user", "each shard", … */
  per: string;
  writeUnits: number;
  readUnits: number;
}

export interface RouteCost {
  operationId: RouteName;
  route: string;
  writeUnits: number;
  readUnits: number;
  note: string;
  /** USD per million requests. */
  dynamoDb: number;
  lambda: number;
  apiGateway: number;
  total: number;
}

export interface CapacityReport {
  load: Load;
  partitions: PartitionRow[];
  /** The busiest status's index writes a second, all shards together. */
  hottestStatusWrites: number;
  recommendedShards: number;
  /** True when even MAX_STATUS_SHARDS would not keep the busiest shard under the target. */
  beyondMaximum: boolean;
  costs: RouteCost[];
}

const writeUnitsOf = (kb: number) => Math.max(1, Math.ceil(kb));
const eventualReadUnits = (items: number, kb: number) => Math.max(1, Math.ceil((items * kb) / 4)) / 2;
const strongReadUnits = (kb: number) => Math.max(1, Math.ceil(kb / 4));

/** Units one request of each route takes. Typed by the route table: a new route fails to compile until it is costed here. */
const ROUTE_UNITS: Record<RouteName, (load: Load) => { writeUnits: number; readUnits: number; note: string }> = {
  createTask: (load) => ({
    writeUnits: writeUnitsOf(load.itemKb) * (3 + 2 * load.idempotentShare),
    readUnits: 0,
    note: 'task in the table, GSI1 and GSI2; with a key, its record and its completion too',
  }),
  listTasks: (load) => ({
    writeUnits: 0,
    readUnits: eventualReadUnits(load.pageSize + 1, load.itemKb),
    note: 'one query of page + 1 tasks',
  }),
  getTask: (load) => ({ writeUnits: 0, readUnits: strongReadUnits(load.itemKb), note: 'one consistent GetItem' }),
  updateTask: (load) => ({
    writeUnits: writeUnitsOf(load.itemKb) * 5,
    readUnits: 0,
    note: 'a status change: the table, and a delete + put in each status index (3 units without one)',
  }),
  deleteTask: (load) => ({ writeUnits: writeUnitsOf(load.itemKb) * 3, readUnits: 0, note: 'the table and both indexes' }),
  adminListTasks: (load) => ({
    writeUnits: 0,
    readUnits: load.shards * eventualReadUnits(load.pageSize + 1, load.itemKb),
    note: `${load.shards} shard queries of page + 1 tasks`,
  }),
};

/** The smallest shard count that keeps the busiest status's shards at the target utilization. */
export function recommendShards(hottestStatusWrites: number): { shards: number; beyondMaximum: boolean } {
  const needed = Math.max(1, Math.ceil((hottestStatusWrites * SHARD_SKEW) / (PARTITION_LIMITS.writeUnitsPerSecond * TARGET_UTILIZATION)));
  return { shards: Math.min(needed, MAX_STATUS_SHARDS), beyondMaximum: needed > MAX_STATUS_SHARDS };
}

export function capacityReport(input: Partial<Load>): CapacityReport {
  const load: Load = { ...DEFAULT_LOAD, ...input };
  const write = writeUnitsOf(load.itemKb);
  const page = eventualReadUnits(load.pageSize + 1, load.itemKb);
  // The busiest status is pending: every create enters it, and (the worst case) every status change leaves it.
  const hottestStatusWrites = (load.creates + load.statusChanges) * write;
  const perShard = (total: number, shards: number) => (total / shards) * (shards > 1 ? SHARD_SKEW : 1);
  const perUser = (total: number) => total / load.users;
  const partitions: PartitionRow[] = [
    {
      where: 'table',
      key: 'PK=USER#<sub>',
      per: 'each user',
      writeUnits: perUser((load.creates * (1 + 2 * load.idempotentShare) + load.statusChanges) * write),
      readUnits: perUser(load.userReads * page),
    },
    {
      where: 'GSI1',
      key: load.shards > 1 ? 'STATUS#pending#<shard>' : 'STATUS#pending',
      per: load.shards > 1 ? 'busiest shard' : 'one partition',
      writeUnits: perShard(hottestStatusWrites, load.shards),
      readUnits: load.adminReads * page,
    },
    {
      where: 'GSI1',
      key: load.shards > 1 ? 'STATUS#<in_progress|done>#<shard>' : 'STATUS#<in_progress|done>',
      per: load.shards > 1 ? 'busiest shard' : 'one partition',
      writeUnits: perShard(load.statusChanges * write, load.shards),
      readUnits: 0,
    },
    {
      where: 'GSI1',
      key: 'STATUS#pending',
      per: 'if unsharded',
      writeUnits: hottestStatusWrites,
      readUnits: load.adminReads * page,
    },
    {
      where: 'GSI1',
      key: 'META#STATUS_INDEX_LAYOUT',
      per: 'one item',
      writeUnits: 0,
      // Each admin function instance reads it once per LAYOUT_CACHE_MS; at most one instance per admin page a second.
      readUnits: (load.adminReads * 1000 * 0.5) / LAYOUT_CACHE_MS,
    },
    {
      where: 'GSI2',
      key: 'USER#<sub>#STATUS#pending',
      per: 'each user',
      writeUnits: perUser(hottestStatusWrites),
      readUnits: perUser(load.userReads * page),
    },
  ];
  const { shards: recommendedShards, beyondMaximum } = recommendShards(hottestStatusWrites);
  const costs = routes.map((route) => {
    const units = ROUTE_UNITS[route.operationId](load);
    const dynamoDb = units.writeUnits * PRICES.dynamoDb.perMillionWriteUnits + units.readUnits * PRICES.dynamoDb.perMillionReadUnits;
    const lambda =
      PRICES.lambda.perMillionRequests + (load.lambdaMemoryMb / 1024) * (load.lambdaMs / 1000) * 1e6 * PRICES.lambda.perGbSecond;
    const apiGateway = PRICES.apiGateway.perMillionRequests;
    return {
      operationId: route.operationId,
      route: `${route.method} ${route.path}`,
      ...units,
      dynamoDb,
      lambda,
      apiGateway,
      total: dynamoDb + lambda + apiGateway,
    };
  });
  return { load, partitions, hottestStatusWrites, recommendedShards, beyondMaximum, costs };
}
