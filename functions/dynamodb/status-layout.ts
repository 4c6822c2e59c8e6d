/** Reads the status index's layout record (see layout-record.ts), with a short per-instance cache. */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { layoutIndexKeys } from './keys.ts';
import { type LayoutRecord, toLayoutRecord } from './layout-record.ts';
import { STATUS_INDEX } from './table-design.ts';

/**
 * How long a function instance trusts the record it read. A backfill waits longer than this (and than
 * the index's propagation) after announcing a move, before it moves anything.
 */
export const LAYOUT_CACHE_MS = 10_000;

const cache = new Map<string, { record: LayoutRecord | undefined; expires: number }>();

/** The table's layout record (undefined when there is none), from a cache of LAYOUT_CACHE_MS per table. */
export async function readLayoutRecord(
  client: DynamoDBDocumentClient,
  tableName: string,
  cacheMs = LAYOUT_CACHE_MS,
): Promise<LayoutRecord | undefined> {
  const cached = cache.get(tableName);
  const now = Date.now();
  if (cached && cached.expires > now) return cached.record;
  const { GSI1PK } = layoutIndexKeys();
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: STATUS_INDEX,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': GSI1PK },
      Limit: 1,
    }),
  );
  const record = Items[0] ? toLayoutRecord(Items[0]) : undefined;
  if (cacheMs > 0) cache.set(tableName, { record, expires: now + cacheMs });
  return record;
}

/** For tests that change the table between cases. */
export function forgetLayoutRecords(): void {
  cache.clear();
}
