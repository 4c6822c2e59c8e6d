import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROD_ENV } from './support.ts';
import { ConfigError, loadConfig } from '../../infra/config.ts';

test('dev is the default stage, with local defaults and names prefixed by app and stage', () => {
  const config = loadConfig({});
  assert.is(config.stage, 'dev');
  assert.is(config.prefix, 'task-api-dev');
  assert.equal(config.allowedOrigins, ['http://localhost:3000']);
  assert.is(config.lambda.runtime, 'nodejs22.x');
  assert.is(config.state, undefined);
  assert.is(config.offline, false);
});

test('prod must be given its origins and OAuth URLs', () => {
  assert.throws(
    () => loadConfig({ STAGE: 'prod' }),
    (error: Error) => error instanceof ConfigError && /ALLOWED_ORIGINS must be set for prod/.test(error.message),
  );
  assert.is(loadConfig(PROD_ENV).logRetentionDays, 365);
});

test('prod rejects a wildcard origin and localhost URLs', () => {
  assert.throws(() => loadConfig({ ...PROD_ENV, ALLOWED_ORIGINS: '*' }), /"\*" is not allowed in prod/);
  assert.throws(() => loadConfig({ ...PROD_ENV, AUTH_CALLBACK_URLS: 'http://localhost:3000/cb' }), /localhost/);
});

test('the status index has 2 shards in dev and 8 in prod unless STATUS_SHARDS says otherwise', () => {
  assert.is(loadConfig({}).statusShards, 2);
  assert.is(loadConfig(PROD_ENV).statusShards, 8);
  assert.is(loadConfig({ ...PROD_ENV, STATUS_SHARDS: '1' }).statusShards, 1);
  assert.is(loadConfig({ STATUS_SHARDS: '64' }).statusShards, 64);
  assert.throws(() => loadConfig({ STATUS_SHARDS: '0' }), /STATUS_SHARDS must be from 1 to 64/);
  assert.throws(() => loadConfig({ STATUS_SHARDS: '65' }), /STATUS_SHARDS must be from 1 to 64/);
  assert.throws(() => loadConfig({ STATUS_SHARDS: '8.5' }), /STATUS_SHARDS must be a whole number/);
});

test('bad values name the variable', () => {
  assert.throws(() => loadConfig({ LOG_LEVEL: 'verbose' }), /LOG_LEVEL must be one of debug, info, warn, error, got "verbose"/);
  assert.throws(() => loadConfig({ STAGE: 'staging' }), /STAGE must be one of dev, prod/);
  assert.throws(() => loadConfig({ LAMBDA_TIMEOUT_SECONDS: '29' }), /LAMBDA_TIMEOUT_SECONDS must be from 1 to 28/);
  assert.throws(() => loadConfig({ LOG_RETENTION_DAYS: '10' }), /LOG_RETENTION_DAYS must be one of/);
  assert.throws(() => loadConfig({ ALLOWED_ORIGINS: 'https://app.example.com/path' }), /is not an origin/);
  assert.throws(() => loadConfig({ AUTH_DOMAIN_PREFIX: 'my-cognito-app' }), /AUTH_DOMAIN_PREFIX/);
  assert.throws(() => loadConfig({ LAMBDA_RUNTIME: 'nodejs18.x' }), /LAMBDA_RUNTIME must be one of nodejs22.x, nodejs24.x/);
  assert.throws(() => loadConfig({ AWS_PROVIDER_VERSION: '6.x' }), /AWS_PROVIDER_VERSION must be an exact/);
  assert.throws(() => loadConfig({ TASK_API_REHEARSAL_ENDPOINT: 'http://10.0.0.1:5000' }), /loopback/);
});

test('nodejs24.x needs hashicorp/aws >= 6.19, which AWS_PROVIDER_VERSION selects; the pinned 5.100.0 stays the default', () => {
  assert.is(loadConfig({}).awsProviderVersion, '5.100.0');
  assert.throws(
    () => loadConfig({ LAMBDA_RUNTIME: 'nodejs24.x' }),
    /needs hashicorp\/aws 6\.19\.0 or later: set AWS_PROVIDER_VERSION=6\.19\.0/,
  );
  assert.throws(() => loadConfig({ LAMBDA_RUNTIME: 'nodejs24.x', AWS_PROVIDER_VERSION: '6.18.0' }), /6\.19\.0/);
  const node24 = loadConfig({ LAMBDA_RUNTIME: 'nodejs24.x', AWS_PROVIDER_VERSION: '6.19.0' });
  assert.is(node24.lambda.runtime, 'nodejs24.x');
  assert.is(node24.awsProviderVersion, '6.19.0');
});

test('one stage owns the API Gateway account setting by default (dev); deletion protection is prod’s default, switchable', () => {
  assert.is(loadConfig({}).manageApiGatewayAccount, true);
  assert.is(loadConfig(PROD_ENV).manageApiGatewayAccount, false);
  assert.is(loadConfig({ ...PROD_ENV, APIGW_MANAGE_ACCOUNT: 'true' }).manageApiGatewayAccount, true);
  assert.is(loadConfig({}).deletionProtection, false);
  assert.is(loadConfig(PROD_ENV).deletionProtection, true);
  assert.is(loadConfig({ ...PROD_ENV, DELETION_PROTECTION: 'false' }).deletionProtection, false);
  assert.is(loadConfig({}).auth.allowPasswordAuth, false);
});

test('page tokens: key version 1 and 24 hours by default; a rotation raises the version', () => {
  assert.equal(loadConfig({}).pageTokens, { keyVersion: 1, ttlSeconds: 86_400 });
  assert.equal(loadConfig({ PAGE_TOKEN_KEY_VERSION: '2', PAGE_TOKEN_TTL_SECONDS: '3600' }).pageTokens, { keyVersion: 2, ttlSeconds: 3600 });
  assert.throws(() => loadConfig({ PAGE_TOKEN_KEY_VERSION: '0' }), /PAGE_TOKEN_KEY_VERSION must be from 1 to 255/);
  assert.throws(() => loadConfig({ PAGE_TOKEN_TTL_SECONDS: '1209600' }), /PAGE_TOKEN_TTL_SECONDS must be from 60 to 604800/);
});

test('web ACL rate limits: per-stage defaults, settable, window one WAF supports', () => {
  assert.equal(loadConfig({}).rateLimits, { perIp: 1000, perCaller: 300, windowSeconds: 60 });
  assert.equal(loadConfig(PROD_ENV).rateLimits, { perIp: 3000, perCaller: 600, windowSeconds: 60 });
  assert.equal(loadConfig({ RATE_LIMIT_PER_CALLER: '50', RATE_LIMIT_WINDOW_SECONDS: '300' }).rateLimits, {
    perIp: 1000,
    perCaller: 50,
    windowSeconds: 300,
  });
  assert.throws(() => loadConfig({ RATE_LIMIT_WINDOW_SECONDS: '90' }), /RATE_LIMIT_WINDOW_SECONDS must be one of 60, 120, 300, 600/);
  assert.throws(() => loadConfig({ RATE_LIMIT_PER_CALLER: '9' }), /RATE_LIMIT_PER_CALLER must be from 10/);
});

test('MAX_TASKS_PER_USER: 10,000 by default, settable', () => {
  assert.is(loadConfig({}).maxTasksPerUser, 10_000);
  assert.is(loadConfig({ MAX_TASKS_PER_USER: '500' }).maxTasksPerUser, 500);
  assert.throws(() => loadConfig({ MAX_TASKS_PER_USER: '0' }), /MAX_TASKS_PER_USER must be from 1/);
});

test('SES for Cognito’s e-mail: both settings or neither, validated', () => {
  assert.is(loadConfig({}).auth.email, undefined);
  const ses = {
    SES_IDENTITY_ARN: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
    SES_FROM_ADDRESS: 'Task API <no-reply@example.com>',
  };
  assert.equal(loadConfig({ ...PROD_ENV, ...ses }).auth.email, { identityArn: ses.SES_IDENTITY_ARN, fromAddress: ses.SES_FROM_ADDRESS });
  assert.throws(() => loadConfig({ SES_IDENTITY_ARN: ses.SES_IDENTITY_ARN }), /SES_IDENTITY_ARN and SES_FROM_ADDRESS go together/);
  assert.throws(() => loadConfig({ ...ses, SES_IDENTITY_ARN: 'example.com' }), /SES_IDENTITY_ARN must be an SES identity ARN/);
  assert.throws(() => loadConfig({ ...ses, SES_FROM_ADDRESS: 'not an address' }), /SES_FROM_ADDRESS must be an e-mail address/);
});

test('a state bucket selects the S3 backend, except for an offline plan', () => {
  assert.equal(loadConfig({ TF_STATE_BUCKET: 'b', AWS_REGION: 'us-east-2' }).state, {
    bucket: 'b',
    key: 'task-api/dev/terraform.tfstate',
    region: 'us-east-2',
  });
  assert.is(loadConfig({ TF_STATE_BUCKET: 'b', TASK_API_OFFLINE: 'true' }).state, undefined);
});

test('alarms: per-stage default thresholds, each overridable by its ALARM_* variable', () => {
  assert.equal(loadConfig({}).monitoring.thresholds, {
    api5xxPercent: 5,
    api4xxPercent: 30,
    apiP99LatencyMs: 3000,
    lambdaDurationPercent: 80,
    wafBlockedRequests: 100,
    minRequestsPerHour: 0,
  });
  assert.equal(loadConfig(PROD_ENV).monitoring.thresholds, {
    api5xxPercent: 1,
    api4xxPercent: 15,
    apiP99LatencyMs: 2000,
    lambdaDurationPercent: 80,
    wafBlockedRequests: 100,
    minRequestsPerHour: 0,
  });
  const chosen = loadConfig({
    ALARM_API_5XX_PERCENT: '2',
    ALARM_API_4XX_PERCENT: '40',
    ALARM_API_P99_MS: '800',
    ALARM_LAMBDA_DURATION_PERCENT: '90',
    ALARM_WAF_BLOCKED: '1000',
    ALARM_MIN_REQUESTS_PER_HOUR: '60',
  }).monitoring.thresholds;
  assert.equal(chosen, {
    api5xxPercent: 2,
    api4xxPercent: 40,
    apiP99LatencyMs: 800,
    lambdaDurationPercent: 90,
    wafBlockedRequests: 1000,
    minRequestsPerHour: 60,
  });
  assert.throws(() => loadConfig({ ALARM_API_5XX_PERCENT: '0' }), /ALARM_API_5XX_PERCENT must be from 1 to 100/);
  assert.throws(() => loadConfig({ ALARM_API_P99_MS: '30000' }), /ALARM_API_P99_MS must be from 50 to 29000/);
  assert.throws(() => loadConfig({ ALARM_LAMBDA_DURATION_PERCENT: 'most' }), /ALARM_LAMBDA_DURATION_PERCENT must be a whole number/);
});

test('alarms: ALARM_EMAIL is required in prod, optional in dev, and one address', () => {
  assert.is(loadConfig({}).monitoring.alarmEmail, undefined);
  assert.is(loadConfig({ ALARM_EMAIL: 'dev-team@example.com' }).monitoring.alarmEmail, 'dev-team@example.com');
  assert.is(loadConfig(PROD_ENV).monitoring.alarmEmail, 'ops@example.com');
  const { ALARM_EMAIL: _, ...prodWithoutEmail } = PROD_ENV;
  assert.throws(() => loadConfig(prodWithoutEmail), /ALARM_EMAIL must be set for prod/);
  assert.throws(() => loadConfig({ ALARM_EMAIL: 'a@example.com,b@example.com' }), /ALARM_EMAIL must be one e-mail address/);
  assert.throws(() => loadConfig({ ALARM_EMAIL: 'ops' }), /ALARM_EMAIL must be one e-mail address/);
});

test.run();
