/**
 * After an apply: what exists in the emulator, read back through the AWS SDK, compared with what the
 * design says — the table design, the password policy, the client's flows, the route table and the
 * zips `make build` wrote. Every expectation comes from those sources, never from a copy of them.
 */
import { join } from 'node:path';
import {
  APIGatewayClient,
  GetAccountCommand,
  GetAuthorizersCommand,
  GetResourcesCommand,
  GetStageCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
// The SDK's own protocol implementations (every client depends on @aws-sdk/core): see the CloudWatch client below.
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { tableDesign } from '../../functions/dynamodb/table-design.ts';
import { routes } from '../../functions/routes.ts';
import type { InfraConfig } from '../../infra/config.ts';
import { EXPLICIT_AUTH_FLOWS, OAUTH_SCOPES, PASSWORD_AUTH_FLOW } from '../../infra/constructs/auth.ts';
import { fileSha256Base64 } from '../../infra/constructs/functions.ts';
import { alarmSpecs } from '../../infra/monitoring/alarms.ts';
import { PASSWORD_POLICY } from '../../infra/password-policy.ts';

/** The stack's Terraform outputs (`terraform output -json`, values only). */
export interface StackOutputs {
  api_url: string;
  user_pool_id: string;
  user_pool_client_id: string;
  table_name: string;
  region: string;
  alarm_topic_arn: string;
  dashboard_name: string;
  web_acl_name: string;
}

export function clientConfig(endpoint: string, region: string) {
  return { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

const sorted = (values: Iterable<string | undefined>) => [...values].map(String).sort();
const same = (a: Iterable<string | undefined>, b: Iterable<string | undefined>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** Runs every check; returns how many passed, or throws one error listing every failed expectation. */
export async function checkDeployedDesign(config: InfraConfig, outputs: StackOutputs, endpoint: string): Promise<number> {
  const aws = clientConfig(endpoint, config.region);
  const failures: string[] = [];
  let passed = 0;
  const expect = (condition: boolean, what: string, actual?: unknown) => {
    if (condition) passed += 1;
    else failures.push(`${what}${actual === undefined ? '' : ` (got ${JSON.stringify(actual)})`}`);
  };

  // DynamoDB: keys, both GSIs, TTL, PITR, deletion protection.
  const dynamodb = new DynamoDBClient(aws);
  const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: outputs.table_name }));
  const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((key) => `${key.KeyType}:${key.AttributeName}`).join(',');
  expect(keyOf(table?.KeySchema) === `HASH:${tableDesign.partitionKey},RANGE:${tableDesign.sortKey}`, 'table keys', table?.KeySchema);
  expect(table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST', 'table is on demand', table?.BillingModeSummary);
  for (const index of tableDesign.globalSecondaryIndexes) {
    const deployed = table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index.name);
    expect(
      keyOf(deployed?.KeySchema) === `HASH:${index.partitionKey},RANGE:${index.sortKey}` &&
        deployed?.Projection?.ProjectionType === index.projection,
      `index ${index.name}: keys and projection`,
      deployed,
    );
  }
  expect((table?.GlobalSecondaryIndexes ?? []).length === tableDesign.globalSecondaryIndexes.length, 'no other index');
  expect(table?.DeletionProtectionEnabled === config.deletionProtection, 'table deletion protection', table?.DeletionProtectionEnabled);
  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: outputs.table_name }));
  expect(
    ttl.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED' &&
      ttl.TimeToLiveDescription.AttributeName === tableDesign.timeToLiveAttribute,
    'TTL',
    ttl.TimeToLiveDescription,
  );
  const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: outputs.table_name }));
  expect(
    backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
    'point-in-time recovery',
    backups.ContinuousBackupsDescription,
  );

  // Cognito: username, password policy, deletion protection; the app client's flows and OAuth settings.
  const cognito = new CognitoIdentityProviderClient(aws);
  const { UserPool: pool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: outputs.user_pool_id }));
  expect(same(pool?.UsernameAttributes ?? [], ['email']), 'users sign in with their e-mail', pool?.UsernameAttributes);
  const policy = pool?.Policies?.PasswordPolicy;
  // An absent boolean in an AWS reply means false.
  expect(
    policy?.MinimumLength === PASSWORD_POLICY.minimumLength &&
      (policy.RequireUppercase ?? false) === PASSWORD_POLICY.requireUppercase &&
      (policy.RequireLowercase ?? false) === PASSWORD_POLICY.requireLowercase &&
      (policy.RequireNumbers ?? false) === PASSWORD_POLICY.requireNumbers &&
      (policy.RequireSymbols ?? false) === PASSWORD_POLICY.requireSymbols &&
      policy.TemporaryPasswordValidityDays === PASSWORD_POLICY.temporaryPasswordValidityDays,
    'password policy',
    policy,
  );
  expect(
    pool?.DeletionProtection === (config.deletionProtection ? 'ACTIVE' : 'INACTIVE'),
    'user pool deletion protection',
    pool?.DeletionProtection,
  );
  const { UserPoolClient: client } = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: outputs.user_pool_id, ClientId: outputs.user_pool_client_id }),
  );
  const flows = config.auth.allowPasswordAuth ? [...EXPLICIT_AUTH_FLOWS, PASSWORD_AUTH_FLOW] : EXPLICIT_AUTH_FLOWS;
  expect(same(client?.ExplicitAuthFlows ?? [], flows), 'client sign-in flows', client?.ExplicitAuthFlows);
  expect(!client?.ClientSecret, 'public client (no secret)');
  expect(same(client?.CallbackURLs ?? [], config.auth.callbackUrls), 'callback URLs', client?.CallbackURLs);
  expect(same(client?.LogoutURLs ?? [], config.auth.logoutUrls), 'logout URLs', client?.LogoutURLs);
  expect(
    client?.AllowedOAuthFlowsUserPoolClient === true && same(client.AllowedOAuthFlows ?? [], ['code']),
    'OAuth: the code flow only',
    client?.AllowedOAuthFlows,
  );
  expect(same(client?.AllowedOAuthScopes ?? [], OAUTH_SCOPES), 'OAuth scopes', client?.AllowedOAuthScopes);
  expect(same(client?.SupportedIdentityProviders ?? [], ['COGNITO']), 'identity providers', client?.SupportedIdentityProviders);
  expect(client?.PreventUserExistenceErrors === 'ENABLED', 'no user-existence errors');
  expect(
    client?.IdTokenValidity === config.auth.tokenValidityMinutes && client?.AccessTokenValidity === config.auth.tokenValidityMinutes,
    'token lifetimes',
    { id: client?.IdTokenValidity, access: client?.AccessTokenValidity },
  );

  // Lambda: one function per route, running the zip `make build` wrote, on the configured runtime, arm64.
  const lambda = new LambdaClient(aws);
  for (const route of routes) {
    const name = `${config.prefix}-${route.handler}`;
    const { Configuration: fn } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    const zipSha = fileSha256Base64(join(config.distDir, `${route.handler}.zip`));
    expect(fn?.CodeSha256 === zipSha, `${name}: CodeSha256 is dist/${route.handler}.zip's`, fn?.CodeSha256);
    expect(fn?.Runtime === config.lambda.runtime, `${name}: runtime ${config.lambda.runtime}`, fn?.Runtime);
    expect(same(fn?.Architectures ?? [], ['arm64']), `${name}: arm64`, fn?.Architectures);
    expect(fn?.TracingConfig?.Mode === 'Active', `${name}: X-Ray active`, fn?.TracingConfig);
    expect(fn?.Environment?.Variables?.TABLE_NAME === outputs.table_name, `${name}: TABLE_NAME`, fn?.Environment?.Variables);
  }

  // API Gateway: the route table's methods, each behind a Cognito authorizer on this pool; preflights open.
  const apiGateway = new APIGatewayClient(aws);
  const apiUrl = new URL(outputs.api_url);
  const restApiId = apiUrl.hostname.split('.')[0] as string;
  const stageName = apiUrl.pathname.replace(/^\//, '');
  const authorizers = (await apiGateway.send(new GetAuthorizersCommand({ restApiId }))).items ?? [];
  const poolAuthorizers = new Set(
    authorizers
      .filter(
        (authorizer) =>
          authorizer.type === 'COGNITO_USER_POOLS' && authorizer.providerARNs?.some((arn) => arn.endsWith(`/${outputs.user_pool_id}`)),
      )
      .map((authorizer) => authorizer.id),
  );
  expect(poolAuthorizers.size === 1, 'one Cognito authorizer on the user pool', authorizers);
  const resources = (await apiGateway.send(new GetResourcesCommand({ restApiId, embed: ['methods'], limit: 500 }))).items ?? [];
  const deployedMethods: string[] = [];
  for (const resource of resources) {
    for (const [verb, method] of Object.entries(resource.resourceMethods ?? {})) {
      if (verb === 'OPTIONS') {
        expect(method.authorizationType === 'NONE', `OPTIONS ${resource.path}: preflight without authorization`, method.authorizationType);
        continue;
      }
      deployedMethods.push(`${verb} ${resource.path}`);
      expect(
        method.authorizationType === 'COGNITO_USER_POOLS' && poolAuthorizers.has(method.authorizerId),
        `${verb} ${resource.path}: Cognito authorizer`,
        { type: method.authorizationType, authorizer: method.authorizerId },
      );
    }
  }
  expect(
    same(
      deployedMethods,
      routes.map((route) => `${route.method} ${route.path}`),
    ),
    'methods are the route table',
    deployedMethods,
  );
  const stage = await apiGateway.send(new GetStageCommand({ restApiId, stageName }));
  expect(
    stage.tracingEnabled === true && Boolean(stage.accessLogSettings?.destinationArn),
    `stage ${stageName}: X-Ray and access logs`,
    stage,
  );
  if (config.manageApiGatewayAccount) {
    const account = await apiGateway.send(new GetAccountCommand({}));
    expect(
      Boolean(account.cloudwatchRoleArn?.endsWith(`/${config.prefix}-apigateway-cloudwatch`)),
      'API Gateway account logging role',
      account,
    );
  }

  // KMS: the page-token key is an HMAC key the functions can derive their secret with.
  const kms = new KMSClient(aws);
  const mac = await kms.send(
    new GenerateMacCommand({ KeyId: `alias/${config.prefix}-page-token`, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from('rehearsal') }),
  );
  expect((mac.Mac?.length ?? 0) === 32, 'the page-token key can GenerateMac (HMAC-SHA-256)', mac.Mac?.length);

  // Monitoring: the alarms the design derives (same module as the stack, real names), each to the
  // topic; the topic encrypted, with its e-mail subscription; the dashboard showing those alarms.
  // This SDK release speaks JSON 1.0 to CloudWatch, which moto 5.2 does not; CloudWatch (and the Terraform
  // provider) still speak the Query protocol, so the checks read the alarms with that.
  const cloudwatch = new CloudWatchClient({ ...aws, protocol: AwsQueryProtocol });
  const designed = alarmSpecs({
    prefix: config.prefix,
    region: config.region,
    api: { name: `${config.prefix}-api`, stage: stageName },
    functions: routes.map((route) => ({ route, functionName: `${config.prefix}-${route.handler}` })),
    timeoutSeconds: config.lambda.timeoutSeconds,
    tableName: outputs.table_name,
    thresholds: config.monitoring.thresholds,
    // The stack watches its stage's web ACL too (the WAF alarm): the design must say so as well.
    webAcl: { name: outputs.web_acl_name },
  });
  const { MetricAlarms: alarms = [] } = await cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNamePrefix: `${config.prefix}-`, MaxRecords: 100 }),
  );
  expect(
    same(
      alarms.map((alarm) => alarm.AlarmName),
      designed.map((spec) => spec.config.alarmName),
    ),
    'alarms are the design’s',
    alarms.map((alarm) => alarm.AlarmName),
  );
  for (const { config: spec } of designed) {
    const alarm = alarms.find((candidate) => candidate.AlarmName === spec.alarmName);
    const dimensions = (list: { Name?: string; Value?: string }[] | undefined) =>
      JSON.stringify(Object.fromEntries((list ?? []).map((dimension) => [dimension.Name, dimension.Value]).sort()));
    expect(
      alarm !== undefined &&
        alarm.Threshold === spec.threshold &&
        alarm.ComparisonOperator === spec.comparisonOperator &&
        alarm.EvaluationPeriods === spec.evaluationPeriods &&
        alarm.TreatMissingData === spec.treatMissingData &&
        (alarm.MetricName ?? undefined) === spec.metricName &&
        (spec.dimensions === undefined ||
          dimensions(alarm.Dimensions) === JSON.stringify(Object.fromEntries(Object.entries(spec.dimensions).sort()))) &&
        (alarm.Metrics?.length ?? 0) === ((spec.metricQuery as unknown[] | undefined)?.length ?? 0),
      `${spec.alarmName}: metric, dimensions, threshold, missing data`,
      alarm,
    );
    expect(
      same(alarm?.AlarmActions ?? [], [outputs.alarm_topic_arn]) && same(alarm?.OKActions ?? [], [outputs.alarm_topic_arn]),
      `${spec.alarmName}: notifies the alarm topic`,
      { alarm: alarm?.AlarmActions, ok: alarm?.OKActions },
    );
  }
  const sns = new SNSClient(aws);
  const { Attributes: topic } = await sns.send(new GetTopicAttributesCommand({ TopicArn: outputs.alarm_topic_arn }));
  expect(
    Boolean(topic?.KmsMasterKeyId?.startsWith('arn:aws:kms:')),
    'the alarm topic is encrypted with the stack’s key',
    topic?.KmsMasterKeyId,
  );
  const { Subscriptions: subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: outputs.alarm_topic_arn }));
  expect(
    same(
      subscriptions.map((subscription) => `${subscription.Protocol}:${subscription.Endpoint}`),
      config.monitoring.alarmEmail ? [`email:${config.monitoring.alarmEmail}`] : [],
    ),
    'the alarm topic e-mails ALARM_EMAIL',
    subscriptions,
  );
  const dashboard = await cloudwatch.send(new GetDashboardCommand({ DashboardName: outputs.dashboard_name }));
  const widgets = (JSON.parse(dashboard.DashboardBody ?? '{}').widgets ?? []) as { type: string; properties: { alarms?: string[] } }[];
  expect(
    same(
      widgets.find((widget) => widget.type === 'alarm')?.properties.alarms ?? [],
      alarms.map((alarm) => alarm.AlarmArn),
    ),
    `dashboard ${outputs.dashboard_name}: shows every alarm’s state`,
    widgets.length,
  );

  if (failures.length > 0) throw new Error(`${config.prefix}: what exists is not what the design says:\n  - ${failures.join('\n  - ')}`);
  return passed;
}
