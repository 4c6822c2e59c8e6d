/**
 * Functions: one Lambda per route of the route table, each with its own log group and its own role that
 * names exactly the DynamoDB actions and ARNs the route declares (least privilege by construction), plus
 * the KMS HMAC key the paginated routes derive their page-token secret from.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../functions/routes.ts';
import type { LogLevel } from '../../functions/config/env.ts';
import type { LambdaRuntime } from '../config.ts';
import { accountRootOf, assumeRolePolicy, type PolicyStatement, policyDocument } from './iam.ts';
import type { Storage } from './storage.ts';

export interface FunctionsOptions {
  prefix: string;
  stage: string;
  routes: readonly RouteDefinition[];
  storage: Storage;
  /** Absolute directory holding `<handler>.zip` for every route. */
  distDir: string;
  runtime: LambdaRuntime;
  memoryMb: number;
  timeoutSeconds: number;
  allowedOrigins: string[];
  logRetentionDays: number;
  /** LOG_LEVEL of the functions' own log lines. */
  logLevel: LogLevel;
  pageTokens: { keyVersion: number; ttlSeconds: number };
  maxTasksPerUser: number;
  /** The user pool's issuer: routes that decide on groups verify the caller's ID token with its keys. */
  idTokenIssuer: string;
  /** STATUS_SHARDS: every function builds status-index keys with the same count. */
  statusShards: number;
}

/** What the API needs to wire one route to its function, and monitoring to watch it. */
export interface RouteFunction {
  route: RouteDefinition;
  functionName: string;
  invokeArn: string;
  logGroupName: string;
}

/** X-Ray's write actions support no resource-level permissions: AWS documents Resource "*" for them. */
export const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** sha256 of the file, base64: what Lambda reports as CodeSha256, so a rebuilt zip redeploys the code. */
export function fileSha256Base64(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('base64');
}

/** The route's DynamoDB actions on exactly the table and indexes it declares. */
export function routeStatements(route: RouteDefinition, storage: Pick<Storage, 'tableArn' | 'indexArn'>): PolicyStatement[] {
  const indexes = route.dynamodb.indexes.map((index) => storage.indexArn(index));
  const resources = [...(route.dynamodb.onTable ? [storage.tableArn] : []), ...indexes];
  if (resources.length === 0) return [];
  return [{ Sid: 'Table', Effect: 'Allow', Action: [...route.dynamodb.actions], Resource: resources }];
}

/**
 * Lambda's JSON log format: the runtime's own lines (START, REPORT, an uncaught error) become JSON records
 * too, and the functions' lines, already JSON and written straight to stdout, are stored as they are.
 * Lambda's level filter never goes above INFO: the metric lines carry no level, so Lambda counts them as
 * INFO, and a stricter filter would drop them. Anything stricter is the functions' own LOG_LEVEL.
 */
export function lambdaLogging(logLevel: LogLevel, logGroup: string) {
  return { logFormat: 'JSON', applicationLogLevel: logLevel === 'debug' ? 'DEBUG' : 'INFO', systemLogLevel: 'INFO', logGroup };
}

export class Functions extends Construct {
  readonly byRoute: RouteFunction[] = [];

  constructor(scope: Construct, id: string, options: FunctionsOptions) {
    super(scope, id);

    // HMAC key for page tokens: the key never leaves KMS; functions may only GenerateMac with it. Its key
    // policy is written out: the account administers the key and delegates use to IAM (the roles below),
    // which is what KMS's default policy does, now reviewable in the plan.
    const pageTokenKey = new KmsKey(this, 'page-token-key', {
      description: `${options.prefix}: HMAC key for page tokens (next_token)`,
      customerMasterKeySpec: 'HMAC_256',
      keyUsage: 'GENERATE_VERIFY_MAC',
      deletionWindowInDays: options.stage === 'prod' ? 30 : 7,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersKeyAndDelegatesToIam',
            Effect: 'Allow',
            Principal: { AWS: accountRootOf(options.storage.tableArn) },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    });
    new KmsAlias(this, 'page-token-key-alias', { name: `alias/${options.prefix}-page-token`, targetKeyId: pageTokenKey.keyId });

    for (const route of options.routes) {
      const zip = join(options.distDir, `${route.handler}.zip`);
      if (!existsSync(zip)) {
        throw new Error(
          `${relative(process.cwd(), zip) || zip} is missing: run \`make build\` (npm run build) before synthesizing the stack`,
        );
      }
      const name = `${options.prefix}-${route.handler}`;

      const logGroup = new CloudwatchLogGroup(this, `${route.handler}-logs`, {
        name: `/aws/lambda/${name}`,
        retentionInDays: options.logRetentionDays,
      });

      const role = new IamRole(this, `${route.handler}-role`, {
        name: `${name}-fn`,
        description: `${route.operationId}: only what ${route.method} ${route.path} needs`,
        assumeRolePolicy: assumeRolePolicy('lambda.amazonaws.com'),
      });

      const statements: PolicyStatement[] = [
        ...routeStatements(route, options.storage),
        ...(route.paginated
          ? [{ Sid: 'PageTokenKey', Effect: 'Allow' as const, Action: ['kms:GenerateMac'], Resource: pageTokenKey.arn }]
          : []),
        // Its own log group's streams only (the group itself is created here, so no logs:CreateLogGroup).
        { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup.arn}:log-stream:*` },
        // Deliberate exception: X-Ray has no resource-level permissions, Resource must be "*".
        { Sid: 'XRay', Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' },
      ];
      const policy = new IamRolePolicy(this, `${route.handler}-policy`, {
        name: `${name}-fn`,
        role: role.id,
        policy: policyDocument(statements),
      });

      const asset = new TerraformAsset(this, `${route.handler}-zip`, { path: zip, type: AssetType.FILE });
      const environment: Record<string, string> = {
        TABLE_NAME: options.storage.tableName,
        ALLOWED_ORIGINS: options.allowedOrigins.join(','),
        MAX_TASKS_PER_USER: String(options.maxTasksPerUser),
        STATUS_SHARDS: String(options.statusShards),
        // The Service dimension of the functions' metrics (functions/http/metrics.ts): one stage's alone.
        SERVICE_NAME: options.prefix,
        LOG_LEVEL: options.logLevel,
      };
      if (route.adminOnly) environment.ID_TOKEN_ISSUER = options.idTokenIssuer;
      if (route.paginated) {
        environment.PAGE_TOKEN_KMS_KEY_ID = pageTokenKey.arn;
        environment.PAGE_TOKEN_KEY_VERSION = String(options.pageTokens.keyVersion);
        environment.PAGE_TOKEN_TTL_SECONDS = String(options.pageTokens.ttlSeconds);
      }

      const fn = new LambdaFunction(this, `${route.handler}-fn`, {
        functionName: name,
        description: `${route.method} ${route.path}: ${route.summary}`,
        role: role.arn,
        runtime: options.runtime,
        architectures: ['arm64'],
        // The bundle is index.mjs at the root of the zip.
        handler: 'index.handler',
        filename: asset.path,
        sourceCodeHash: fileSha256Base64(zip),
        memorySize: options.memoryMb,
        timeout: options.timeoutSeconds,
        tracingConfig: { mode: 'Active' },
        environment: { variables: environment },
        loggingConfig: lambdaLogging(options.logLevel, logGroup.name),
        // The log group (with its retention) and the permissions exist before the first invocation.
        dependsOn: [logGroup, policy],
      });

      this.byRoute.push({ route, functionName: fn.functionName, invokeArn: fn.invokeArn, logGroupName: logGroup.name });
    }
  }
}
