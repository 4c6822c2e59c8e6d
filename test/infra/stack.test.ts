import { Testing } from 'cdktf';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableDesign } from '../../functions/dynamodb/table-design.ts';
import { CORS_ALLOWED_HEADERS } from '../../functions/http/cors.ts';
import { ADMIN_GROUP, routes } from '../../functions/routes.ts';
import { MAX_LAMBDA_TIMEOUT_SECONDS } from '../../infra/config.ts';
import { AUTHORIZER_IDENTITY_SOURCE, methodSourceArn, resourcePaths } from '../../infra/constructs/api.ts';
import { fileSha256Base64 } from '../../infra/constructs/functions.ts';
import { ensureDist, resourcesOf, type Synthesized, synthStack } from './support.ts';

const dev = synthStack();
const prod = synthStack({
  STAGE: 'prod',
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTH_CALLBACK_URLS: 'https://app.example.com/callback',
  AUTH_LOGOUT_URLS: 'https://app.example.com/',
});
const one = <T>(list: Array<[string, T]>): T => {
  assert.is(list.length, 1, 'exactly one resource expected');
  return (list[0] as [string, T])[1];
};

// Storage
test('the table is on-demand with PK/SK and every index of the table design', () => {
  const table = one(resourcesOf(dev.tf, 'aws_dynamodb_table'));
  assert.is(table.billing_mode, 'PAY_PER_REQUEST');
  assert.is(table.hash_key, 'PK');
  assert.is(table.range_key, 'SK');
  assert.equal(table.attribute.map((a: { name: string }) => a.name).sort(), tableDesign.attributes.map((a) => a.name).sort());
  assert.equal(
    table.global_secondary_index.map((i: { name: string; hash_key: string; range_key: string; projection_type: string }) => [
      i.name,
      i.hash_key,
      i.range_key,
      i.projection_type,
    ]),
    [
      ['GSI1', 'GSI1PK', 'GSI1SK', 'ALL'],
      ['GSI2', 'GSI2PK', 'GSI2SK', 'ALL'],
    ],
  );
});

test('the table has point-in-time recovery, server-side encryption and the idempotency TTL', () => {
  assert.ok(
    Testing.toHaveResourceWithProperties(dev.json, 'aws_dynamodb_table', {
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      ttl: { attribute_name: tableDesign.timeToLiveAttribute, enabled: true },
    }),
  );
});

test('only prod protects the table and the user pool from deletion', () => {
  assert.is(one(resourcesOf(dev.tf, 'aws_dynamodb_table')).deletion_protection_enabled, false);
  assert.is(one(resourcesOf(prod.tf, 'aws_dynamodb_table')).deletion_protection_enabled, true);
  assert.is(one(resourcesOf(dev.tf, 'aws_cognito_user_pool')).deletion_protection, 'INACTIVE');
  assert.is(one(resourcesOf(prod.tf, 'aws_cognito_user_pool')).deletion_protection, 'ACTIVE');
});

test('resource names carry the app and the stage', () => {
  assert.is(one(resourcesOf(dev.tf, 'aws_dynamodb_table')).name, 'task-api-dev-tasks');
  assert.is(one(resourcesOf(prod.tf, 'aws_dynamodb_table')).name, 'task-api-prod-tasks');
  for (const [, fn] of resourcesOf(prod.tf, 'aws_lambda_function')) assert.match(fn.function_name, /^task-api-prod-/);
});

// Auth
test('the user pool signs in by verified email with the password policy and email recovery', () => {
  assert.ok(
    Testing.toHaveResourceWithProperties(dev.json, 'aws_cognito_user_pool', {
      username_attributes: ['email'],
      auto_verified_attributes: ['email'],
      password_policy: { minimum_length: 10, require_uppercase: true, require_lowercase: true, require_numbers: true },
      account_recovery_setting: { recovery_mechanism: [{ name: 'verified_email', priority: 1 }] },
    }),
  );
});

test('the admin group exists for the admin routes', () => {
  assert.ok(Testing.toHaveResourceWithProperties(dev.json, 'aws_cognito_user_group', { name: ADMIN_GROUP }));
});

test('the app client is public, code-flow only, does not leak user existence and sets token lifetimes', () => {
  const client = one(resourcesOf(dev.tf, 'aws_cognito_user_pool_client'));
  assert.is(client.generate_secret, false);
  assert.equal([...client.explicit_auth_flows].sort(), ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']);
  assert.is(client.prevent_user_existence_errors, 'ENABLED');
  assert.equal(client.allowed_oauth_flows, ['code']);
  assert.equal(client.allowed_oauth_scopes, ['openid', 'email', 'profile']);
  assert.is(client.allowed_oauth_flows_user_pool_client, true);
  assert.equal(client.callback_urls, ['http://localhost:3000/callback']);
  assert.equal(client.logout_urls, ['http://localhost:3000/']);
  assert.ok(client.access_token_validity > 0 && client.id_token_validity > 0 && client.refresh_token_validity > 0);
  assert.equal(client.token_validity_units, [{ access_token: 'minutes', id_token: 'minutes', refresh_token: 'days' }]);
});

test('callback URLs and the hosted-UI domain come from the configuration', () => {
  const client = one(resourcesOf(prod.tf, 'aws_cognito_user_pool_client'));
  assert.equal(client.callback_urls, ['https://app.example.com/callback']);
  const chosen = synthStack({ AUTH_DOMAIN_PREFIX: 'acme-tasks' });
  assert.is(one(resourcesOf(chosen.tf, 'aws_cognito_user_pool_domain')).domain, 'acme-tasks');
});

test('without a configured prefix the hosted-UI domain is made unique from the pool id', () => {
  const domain = one(resourcesOf(prod.tf, 'aws_cognito_user_pool_domain')).domain;
  assert.match(domain, /^task-api-prod-\$\{substr\(sha1\(aws_cognito_user_pool\.[\w-]+\.id\), 0, 10\)\}$/);
});

// Functions
const functions = resourcesOf(dev.tf, 'aws_lambda_function').map(([, fn]) => fn);
const functionOf = (handler: string) => functions.find((fn) => fn.function_name === `task-api-dev-${handler}`);

test('every route has its own function on arm64 with index.handler, tracing and a timeout below the gateway’s', () => {
  assert.is(functions.length, routes.length);
  for (const route of routes) {
    const fn = functionOf(route.handler);
    assert.ok(fn, `no function for ${route.handler}`);
    assert.equal(fn.architectures, ['arm64']);
    assert.is(fn.handler, 'index.handler');
    assert.equal(fn.tracing_config, { mode: 'Active' });
    assert.ok(fn.timeout <= MAX_LAMBDA_TIMEOUT_SECONDS && fn.timeout < 29);
    assert.is(fn.memory_size, 512);
  }
});

test('each function deploys its own dist zip, hashed so a rebuild redeploys it', () => {
  const dist = ensureDist();
  for (const route of routes) {
    const fn = functionOf(route.handler);
    assert.match(fn.filename, new RegExp(`^assets/.+/${route.handler}\\.zip$`));
    assert.is(fn.source_code_hash, fileSha256Base64(`${dist}/${route.handler}.zip`));
  }
});

test('functions get the table name and origins, and only paginated routes get the page-token key', () => {
  for (const route of routes) {
    const env = functionOf(route.handler).environment.variables;
    assert.match(env.TABLE_NAME, /^\$\{aws_dynamodb_table\./);
    assert.is(env.ALLOWED_ORIGINS, 'http://localhost:3000');
    if (route.paginated) assert.match(env.PAGE_TOKEN_KMS_KEY_ID, /^\$\{aws_kms_key\..+\.arn\}$/);
    else assert.not.ok('PAGE_TOKEN_KMS_KEY_ID' in env, `${route.handler} must not see the page-token key`);
    assert.not.ok('NODE_OPTIONS' in env);
  }
});

test('every function gets the status index shard count: the stage default, or STATUS_SHARDS', () => {
  const shardsOf = (tf: Synthesized['tf']) =>
    resourcesOf(tf, 'aws_lambda_function').map(([, fn]) => fn.environment.variables.STATUS_SHARDS);
  assert.equal(shardsOf(dev.tf), Array(routes.length).fill('2'));
  assert.equal(shardsOf(prod.tf), Array(routes.length).fill('8'));
  assert.equal(shardsOf(synthStack({ STATUS_SHARDS: '16' }).tf), Array(routes.length).fill('16'));
});

test('the page-token key is an HMAC_256 key for GENERATE_VERIFY_MAC', () => {
  assert.ok(
    Testing.toHaveResourceWithProperties(dev.json, 'aws_kms_key', {
      customer_master_key_spec: 'HMAC_256',
      key_usage: 'GENERATE_VERIFY_MAC',
    }),
  );
});

test('every function logs to its own log group with the stage’s retention', () => {
  const groups = resourcesOf(dev.tf, 'aws_cloudwatch_log_group').map(([, group]) => group);
  for (const route of routes) {
    const group = groups.find((candidate) => candidate.name === `/aws/lambda/task-api-dev-${route.handler}`);
    assert.ok(group, `no log group for ${route.handler}`);
    assert.is(group.retention_in_days, 14);
  }
  const prodGroups = resourcesOf(prod.tf, 'aws_cloudwatch_log_group').map(([, group]) => group);
  for (const group of prodGroups) assert.is(group.retention_in_days, 365);
});

test('a missing bundle fails the synth with a hint to run make build', () => {
  assert.throws(() => synthStack({ DIST_DIR: '/nonexistent-dist' }), /create-task\.zip is missing: run `make build`/);
});

// API
const methods = resourcesOf(dev.tf, 'aws_api_gateway_method').map(([, method]) => method);
const resources = resourcesOf(dev.tf, 'aws_api_gateway_resource').map(([, resource]) => resource);

test('the REST API is regional, with one resource per path segment of the route table', () => {
  assert.ok(
    Testing.toHaveResourceWithProperties(dev.json, 'aws_api_gateway_rest_api', { endpoint_configuration: { types: ['REGIONAL'] } }),
  );
  assert.equal(resourcePaths(routes), ['/admin', '/tasks', '/admin/tasks', '/tasks/{taskId}']);
  assert.equal(resources.map((resource) => resource.path_part).sort(), ['admin', 'tasks', 'tasks', '{taskId}']);
});

test('every route method uses the Cognito authorizer on the Authorization header and a Lambda proxy integration', () => {
  const authorizer = one(resourcesOf(dev.tf, 'aws_api_gateway_authorizer'));
  assert.is(authorizer.type, 'COGNITO_USER_POOLS');
  assert.is(authorizer.identity_source, AUTHORIZER_IDENTITY_SOURCE);
  assert.match(authorizer.provider_arns[0], /^\$\{aws_cognito_user_pool\..+\.arn\}$/);
  const routeMethods = methods.filter((method) => method.http_method !== 'OPTIONS');
  assert.is(routeMethods.length, routes.length);
  for (const method of routeMethods) {
    assert.is(method.authorization, 'COGNITO_USER_POOLS');
    assert.match(method.authorizer_id, /^\$\{aws_api_gateway_authorizer\./);
    assert.match(method.request_validator_id, /^\$\{aws_api_gateway_request_validator\./);
  }
  const integrations = resourcesOf(dev.tf, 'aws_api_gateway_integration').map(([, integration]) => integration);
  const proxies = integrations.filter((integration) => integration.type === 'AWS_PROXY');
  assert.is(proxies.length, routes.length);
  for (const proxy of proxies) {
    assert.is(proxy.integration_http_method, 'POST');
    assert.match(proxy.uri, /^\$\{aws_lambda_function\..+\.invoke_arn\}$/);
  }
});

test('path parameters are required by the method request', () => {
  const get = methods.find((method) => method.operation_name === 'getTask');
  assert.is(get.request_parameters['method.request.path.taskId'], true);
  const list = methods.find((method) => method.operation_name === 'listTasks');
  assert.is(list.request_parameters['method.request.querystring.status'], false);
});

test('every resource answers CORS preflights with a MOCK integration and no authorization', () => {
  const preflights = methods.filter((method) => method.http_method === 'OPTIONS');
  assert.is(preflights.length, resources.length);
  for (const preflight of preflights) assert.is(preflight.authorization, 'NONE');
  const mocks = resourcesOf(dev.tf, 'aws_api_gateway_integration').filter(([, integration]) => integration.type === 'MOCK');
  assert.is(mocks.length, resources.length);
  for (const [, response] of resourcesOf(dev.tf, 'aws_api_gateway_integration_response')) {
    const headers = response.response_parameters;
    assert.is(headers['method.response.header.Access-Control-Allow-Origin'], "'http://localhost:3000'");
    assert.is(headers['method.response.header.Access-Control-Allow-Headers'], `'${CORS_ALLOWED_HEADERS.join(',')}'`);
    assert.is(headers['method.response.header.Vary'], "'Origin'");
  }
});

test('with several origins the preflight echoes only a listed Origin', () => {
  const several = synthStack({ ALLOWED_ORIGINS: 'https://a.example.com,https://b.example.com' });
  for (const [, response] of resourcesOf(several.tf, 'aws_api_gateway_integration_response')) {
    assert.not.ok('method.response.header.Access-Control-Allow-Origin' in response.response_parameters);
    const template = response.response_templates['application/json'];
    assert.match(template, '"$!origin" == "https://a.example.com" || "$!origin" == "https://b.example.com"');
    assert.match(template, '$context.responseOverride.header.Access-Control-Allow-Origin = $origin');
  }
});

test('gateway errors (4XX, 5XX) carry CORS headers and API Gateway’s own {"message"} body, as local mode answers', () => {
  const responses = resourcesOf(dev.tf, 'aws_api_gateway_gateway_response').map(([, response]) => response);
  const types = responses.map((response) => response.response_type);
  assert.ok(types.includes('DEFAULT_4XX') && types.includes('DEFAULT_5XX'));
  for (const response of responses) {
    assert.is(response.response_parameters['gatewayresponse.header.Access-Control-Allow-Origin'], "'http://localhost:3000'");
    assert.is(response.response_templates['application/json'], '{"message":$context.error.messageString}');
  }
});

test('with several origins, gateway errors allow no origin rather than echoing any', () => {
  const several = synthStack({ ALLOWED_ORIGINS: 'https://a.example.com,https://b.example.com' });
  for (const [, response] of resourcesOf(several.tf, 'aws_api_gateway_gateway_response')) {
    assert.not.ok('gatewayresponse.header.Access-Control-Allow-Origin' in response.response_parameters);
    assert.is(response.response_parameters['gatewayresponse.header.Vary'], "'Origin'");
  }
});

test('the stack asks for Terraform 1.10 or later (S3 lock files)', () => {
  assert.is(dev.tf.terraform.required_version, '>= 1.10.0');
});

test('the deployment is re-created before the old one goes whenever the definition changes', () => {
  const deployment = one(resourcesOf(dev.tf, 'aws_api_gateway_deployment'));
  assert.equal(deployment.lifecycle, { create_before_destroy: true });
  // sha1 over the definition's hash and what is only known at apply time (pool ARN, authorizer, integrations).
  assert.match(
    deployment.triggers.redeployment,
    /^\$\{sha1\(jsonencode\(\["[0-9a-f]{64}", aws_cognito_user_pool\.[\w-]+\.arn, aws_api_gateway_authorizer\./,
  );
  for (const [name] of resourcesOf(dev.tf, 'aws_api_gateway_integration').filter(([, integration]) => integration.type === 'AWS_PROXY')) {
    assert.ok(deployment.triggers.redeployment.includes(`aws_api_gateway_integration.${name}.uri`), name);
  }
  assert.ok(deployment.depends_on.length > routes.length * 2);
  const changed = one(resourcesOf(synthStack({ ALLOWED_ORIGINS: 'https://other.example.com' }).tf, 'aws_api_gateway_deployment'));
  assert.is.not(changed.triggers.redeployment, deployment.triggers.redeployment);
  const same = one(resourcesOf(synthStack().tf, 'aws_api_gateway_deployment'));
  assert.is(same.triggers.redeployment, deployment.triggers.redeployment);
});

test('the stage has JSON access logs, X-Ray, and method settings with metrics, ERROR logs, no data trace, throttling', () => {
  const stage = one(resourcesOf(dev.tf, 'aws_api_gateway_stage'));
  assert.is(stage.stage_name, 'dev');
  assert.is(stage.xray_tracing_enabled, true);
  assert.match(stage.access_log_settings.destination_arn, /^\$\{aws_cloudwatch_log_group\./);
  assert.is(JSON.parse(stage.access_log_settings.format).requestId, '$context.requestId');
  const settings = one(resourcesOf(dev.tf, 'aws_api_gateway_method_settings'));
  assert.is(settings.method_path, '*/*');
  assert.equal(settings.settings, {
    metrics_enabled: true,
    logging_level: 'ERROR',
    data_trace_enabled: false,
    throttling_rate_limit: 50,
    throttling_burst_limit: 100,
  });
});

test('API Gateway gets its account-level CloudWatch role, unless another stack manages it', () => {
  const account = one(resourcesOf(dev.tf, 'aws_api_gateway_account'));
  assert.match(account.cloudwatch_role_arn, /^\$\{aws_iam_role\..+\.arn\}$/);
  assert.is(resourcesOf(synthStack({ APIGW_MANAGE_ACCOUNT: 'false' }).tf, 'aws_api_gateway_account').length, 0);
});

test('the account role may write the stage’s access log group (access logs use that role too)', () => {
  const [roleName] =
    (one(resourcesOf(dev.tf, 'aws_api_gateway_account')).cloudwatch_role_arn as string).match(/aws_iam_role\.([\w-]+)\./)?.slice(1) ?? [];
  const policy = resourcesOf(dev.tf, 'aws_iam_role_policy')
    .map(([, candidate]) => candidate)
    .find((candidate) => candidate.role === `\${aws_iam_role.${roleName}.id}`);
  // Terraform references inside the JSON may hold quotes: neutralize them before parsing.
  const text = (policy?.policy ?? '{}').replace(/\$\{[^}]*\}/g, (ref: string) => ref.replace(/"/g, "'"));
  const statements = JSON.parse(text).Statement as { Action: string[]; Resource: string[] }[];
  const accessLogs = one(resourcesOf(dev.tf, 'aws_cloudwatch_log_group').filter(([, group]) => /-access$/.test(group.name)));
  const writable = statements
    .filter((statement) => statement.Action.includes('logs:PutLogEvents'))
    .flatMap((statement) => statement.Resource)
    .map((resource) => new RegExp(`:log-group:${resource.split(':log-group:')[1]?.replace(/[/.]/g, '\\$&').replace(/\*/g, '.*')}$`));
  assert.ok(
    writable.some((pattern) => pattern.test(`:log-group:${accessLogs.name}:log-stream:x`)),
    `${accessLogs.name} is writable by the account role`,
  );
});

test('each function may be invoked only by its own method', () => {
  const permissions = resourcesOf(dev.tf, 'aws_lambda_permission').map(([, permission]) => permission);
  assert.is(permissions.length, routes.length);
  const arns = permissions.map((permission) => permission.source_arn).sort();
  const [restApiName] = Object.keys(dev.tf.resource.aws_api_gateway_rest_api);
  const executionArn = `\${aws_api_gateway_rest_api.${restApiName}.execution_arn}`;
  assert.equal(arns, routes.map((route) => methodSourceArn(executionArn, route)).sort());
  assert.ok(arns.includes(`${executionArn}/*/GET/tasks/*`));
  for (const permission of permissions) assert.is(permission.principal, 'apigateway.amazonaws.com');
});

// Stack
test('state goes to S3 with a lock file when a bucket is configured, to a local file otherwise', () => {
  assert.ok(dev.tf.terraform.backend.local);
  const remote = synthStack({ TF_STATE_BUCKET: 'my-state' }).tf.terraform.backend;
  assert.equal(remote.s3, {
    bucket: 'my-state',
    key: 'task-api/dev/terraform.tfstate',
    region: 'eu-west-1',
    encrypt: true,
    use_lockfile: true,
  });
});

test('the provider is pinned to aws 5.100.0 and uses real credentials unless planning offline', () => {
  assert.is(dev.tf.terraform.required_providers.aws.version, '5.100.0');
  const provider = dev.tf.provider.aws[0];
  assert.is(provider.region, 'eu-west-1');
  assert.not.ok('access_key' in provider || 'skip_credentials_validation' in provider);
  const offline = synthStack({ TASK_API_OFFLINE: 'true', TF_STATE_BUCKET: 'my-state' }).tf;
  assert.is(offline.provider.aws[0].skip_requesting_account_id, true);
  assert.ok(offline.terraform.backend.local, 'an offline plan never touches remote state');
});

test('the outputs are the API URL, user pool, client, table and region', () => {
  assert.equal(Object.keys(dev.tf.output).sort(), [
    'api_url',
    'auth_domain',
    'region',
    'table_name',
    'user_pool_client_id',
    'user_pool_id',
  ]);
  assert.match(dev.tf.output.api_url.value, /^\$\{aws_api_gateway_stage\..+\.invoke_url\}$/);
});

test.run();
