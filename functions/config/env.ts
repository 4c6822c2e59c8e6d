/** The function's configuration, read from its environment once, when first asked for. */
import { checkShardCount } from '../dynamodb/shards.ts';

export interface FunctionConfig {
  tableName: string;
  /** Shards of the status index (STATUS_SHARDS, set by the stack and by local mode); unset = 1, the unsharded layout. */
  statusShards: number;
  allowedOrigins: string[];
  /** Base64 secret for page tokens (local mode and tests). */
  pageTokenKey?: string;
  /** KMS HMAC key that derives the page-token secret in AWS, so no secret is stored anywhere. */
  pageTokenKmsKeyId?: string;
  /** Only set in local mode, where DynamoDB is the embedded engine. */
  dynamoDbEndpoint?: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  return {
    tableName: env.TABLE_NAME ?? '',
    statusShards: shardCount(env.STATUS_SHARDS),
    allowedOrigins: commaList(env.ALLOWED_ORIGINS),
    pageTokenKey: env.PAGE_TOKEN_KEY || undefined,
    pageTokenKmsKeyId: env.PAGE_TOKEN_KMS_KEY_ID || undefined,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
  };
}

function shardCount(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  if (!/^\d+$/.test(raw)) throw new Error(`Configuration error: STATUS_SHARDS must be a whole number, got "${raw}"`);
  try {
    return checkShardCount(Number(raw));
  } catch (error) {
    throw new Error(`Configuration error: ${(error as Error).message}`);
  }
}

/** `a, b,,c` -> ['a', 'b', 'c']: how ALLOWED_ORIGINS and the like are written, here and in infra/ and local/. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

let cached: FunctionConfig | undefined;
export function config(): FunctionConfig {
  cached ??= readConfig();
  return cached;
}

export function requireSetting<T>(value: T | undefined | '', name: string): T {
  if (value === undefined || value === '') throw new Error(`Configuration error: ${name} is not set`);
  return value;
}
