/** The one DynamoDB document client of a function instance, reused across invocations; its calls show in X-Ray. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/env.ts';
import { traceAwsCalls } from '../tracing/aws-subsegments.ts';

let client: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  client ??= DynamoDBDocumentClient.from(traceAwsCalls(new DynamoDBClient({ endpoint: config().dynamoDbEndpoint, maxAttempts: 3 })), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return client;
}
