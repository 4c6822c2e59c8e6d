import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../../infra/config.ts';

const prodEnv = {
  STAGE: 'prod',
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTH_CALLBACK_URLS: 'https://app.example.com/callback',
  AUTH_LOGOUT_URLS: 'https://app.example.com/',
};

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
  assert.is(loadConfig(prodEnv).logRetentionDays, 365);
});

test('prod rejects a wildcard origin and localhost URLs', () => {
  assert.throws(() => loadConfig({ ...prodEnv, ALLOWED_ORIGINS: '*' }), /"\*" is not allowed in prod/);
  assert.throws(() => loadConfig({ ...prodEnv, AUTH_CALLBACK_URLS: 'http://localhost:3000/cb' }), /localhost/);
});

test('the status index has 2 shards in dev and 8 in prod unless STATUS_SHARDS says otherwise', () => {
  assert.is(loadConfig({}).statusShards, 2);
  assert.is(loadConfig(prodEnv).statusShards, 8);
  assert.is(loadConfig({ ...prodEnv, STATUS_SHARDS: '1' }).statusShards, 1);
  assert.is(loadConfig({ STATUS_SHARDS: '64' }).statusShards, 64);
  assert.throws(() => loadConfig({ STATUS_SHARDS: '0' }), /STATUS_SHARDS must be from 1 to 64/);
  assert.throws(() => loadConfig({ STATUS_SHARDS: '65' }), /STATUS_SHARDS must be from 1 to 64/);
  assert.throws(() => loadConfig({ STATUS_SHARDS: '8.5' }), /STATUS_SHARDS must be a whole number/);
});

test('bad values name the variable', () => {
  assert.throws(() => loadConfig({ STAGE: 'staging' }), /STAGE must be one of dev, prod/);
  assert.throws(() => loadConfig({ LAMBDA_TIMEOUT_SECONDS: '29' }), /LAMBDA_TIMEOUT_SECONDS must be from 1 to 28/);
  assert.throws(() => loadConfig({ LOG_RETENTION_DAYS: '10' }), /LOG_RETENTION_DAYS must be one of/);
  assert.throws(() => loadConfig({ ALLOWED_ORIGINS: 'https://app.example.com/path' }), /is not an origin/);
  assert.throws(() => loadConfig({ AUTH_DOMAIN_PREFIX: 'my-cognito-app' }), /AUTH_DOMAIN_PREFIX/);
  assert.throws(() => loadConfig({ LAMBDA_RUNTIME: 'nodejs24.x' }), /hashicorp\/aws 5\.100\.0/);
});

test('a state bucket selects the S3 backend, except for an offline plan', () => {
  assert.equal(loadConfig({ TF_STATE_BUCKET: 'b', AWS_REGION: 'us-east-2' }).state, {
    bucket: 'b',
    key: 'task-api/dev/terraform.tfstate',
    region: 'us-east-2',
  });
  assert.is(loadConfig({ TF_STATE_BUCKET: 'b', TASK_API_OFFLINE: 'true' }).state, undefined);
});

test.run();
