/** The function's configuration, read from its environment once, when first asked for. */
export interface FunctionConfig {
  tableName: string;
  allowedOrigins: string[];
  /** Base64 secret for page tokens (local mode and tests). */
  pageTokenKey?: string;
  /** KMS HMAC key that derives the page-token secret in AWS, so no secret is stored anywhere. */
  pageTokenKmsKeyId?: string;
  /** Only set in local mode, where DynamoDB is the embedded engine. */
  dynamoDbEndpoint?: string;
  /** The `Service` dimension of the functions' metrics: the stack (`<app>-<stage>`), or `task-api-local`. */
  serviceName: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  return {
    tableName: env.TABLE_NAME ?? '',
    allowedOrigins: commaList(env.ALLOWED_ORIGINS),
    pageTokenKey: env.PAGE_TOKEN_KEY || undefined,
    pageTokenKmsKeyId: env.PAGE_TOKEN_KMS_KEY_ID || undefined,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    serviceName: env.SERVICE_NAME || 'task-api',
  };
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
