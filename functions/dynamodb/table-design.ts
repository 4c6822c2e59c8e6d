/**
 * The single-table layout, as plain data: the infrastructure and local mode both create the table
 * from this, and the repository builds its keys to match it.
 *
 * Access patterns (one lookup or query each; the admin view one query per shard):
 *   a user's task by id            GetItem   PK=USER#<sub>, SK=TASK#<id>
 *   a user's tasks, newest first   Query     PK=USER#<sub>, SK begins_with TASK#, descending
 *   a user's tasks with a status   Query     GSI2: GSI2PK=USER#<sub>#STATUS#<s>, GSI2SK=TASK#<id>, descending
 *   all tasks with a status        Query     GSI1: GSI1PK=STATUS#<s>#<shard>, GSI1SK=<created_at>#<id>, descending,
 *                                            once per shard, merged (admin; see shards.ts and layout-record.ts)
 *   the status index's layout      Query     GSI1: GSI1PK=META#STATUS_INDEX_LAYOUT (admin, cached)
 *   an idempotent create's record  PutItem   PK=USER#<sub>, SK=IDEMPOTENCY#<key>, expires by TTL
 */
export const tableDesign = {
  partitionKey: 'PK',
  sortKey: 'SK',
  attributes: [
    { name: 'PK', type: 'S' },
    { name: 'SK', type: 'S' },
    { name: 'GSI1PK', type: 'S' },
    { name: 'GSI1SK', type: 'S' },
    { name: 'GSI2PK', type: 'S' },
    { name: 'GSI2SK', type: 'S' },
  ],
  globalSecondaryIndexes: [
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'ALL' },
    { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'ALL' },
  ],
  timeToLiveAttribute: 'expires_at',
} as const;

export type IndexName = (typeof tableDesign.globalSecondaryIndexes)[number]['name'];
export const STATUS_INDEX = 'GSI1' satisfies IndexName;
export const USER_STATUS_INDEX = 'GSI2' satisfies IndexName;

/**
 * The DynamoDB CreateTable request for this design (on-demand). Local mode and the integration tests
 * create their tables with it; the infrastructure declares the same design in Terraform.
 */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: tableDesign.attributes.map(({ name, type }) => ({ AttributeName: name, AttributeType: type })),
    KeySchema: [
      { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: tableDesign.globalSecondaryIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
