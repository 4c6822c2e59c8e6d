/**
 * Storage: the single DynamoDB table, declared from the same `tableDesign` the repository and local
 * mode use, so the keys and indexes can never drift apart.
 */
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
import { Construct } from 'constructs';
import { type IndexName, tableDesign } from '../../functions/dynamodb/table-design.ts';

export interface StorageOptions {
  /** `<app>-<stage>`. */
  prefix: string;
  /** prod: the table cannot be deleted (by Terraform or anyone else) until this is turned off. */
  deletionProtection: boolean;
}

export class Storage extends Construct {
  readonly tableName: string;
  readonly tableArn: string;

  constructor(scope: Construct, id: string, options: StorageOptions) {
    super(scope, id);
    const table = new DynamodbTable(this, 'table', {
      name: `${options.prefix}-tasks`,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: tableDesign.partitionKey,
      rangeKey: tableDesign.sortKey,
      attribute: tableDesign.attributes.map(({ name, type }) => ({ name, type })),
      globalSecondaryIndex: tableDesign.globalSecondaryIndexes.map((index) => ({
        name: index.name,
        hashKey: index.partitionKey,
        rangeKey: index.sortKey,
        projectionType: index.projection,
      })),
      pointInTimeRecovery: { enabled: true },
      // AWS-owned key by default; `enabled: true` switches to the AWS-managed KMS key (aws/dynamodb), auditable in CloudTrail.
      serverSideEncryption: { enabled: true },
      ttl: { attributeName: tableDesign.timeToLiveAttribute, enabled: true },
      deletionProtectionEnabled: options.deletionProtection,
    });
    this.tableName = table.name;
    this.tableArn = table.arn;
  }

  /** The ARN IAM needs to allow queries on one index. */
  indexArn(name: IndexName): string {
    return `${this.tableArn}/index/${name}`;
  }
}
