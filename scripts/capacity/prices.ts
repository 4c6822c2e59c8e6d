/**
 * The prices `npm run capacity` uses: the one place they are written, with the date they were read.
 * Public on-demand list prices of US East (N. Virginia); other regions differ by a few percent (eu-west-1
 * is about 13 % higher for DynamoDB). Check https://aws.amazon.com/dynamodb/pricing/on-demand/,
 * /lambda/pricing/ and /api-gateway/pricing/ before quoting a number.
 */
export const PRICES = {
  asOf: '2025-06-01',
  region: 'us-east-1',
  dynamoDb: {
    /** On-demand, since the reduction of 2024-11-01: a write unit is one write of up to 1 KB. */
    perMillionWriteUnits: 0.625,
    /** A read unit is one strongly consistent read of up to 4 KB, or two eventually consistent ones. */
    perMillionReadUnits: 0.125,
  },
  lambda: {
    perMillionRequests: 0.2,
    /** arm64 (the stack's architecture), first pricing tier. */
    perGbSecond: 0.0000133334,
  },
  apiGateway: {
    /** REST APIs, first 333 million requests a month. */
    perMillionRequests: 3.5,
  },
} as const;

/** DynamoDB's throughput per partition key value (not a price, but as much a fact the model rests on). */
export const PARTITION_LIMITS = { writeUnitsPerSecond: 1_000, readUnitsPerSecond: 3_000 } as const;
