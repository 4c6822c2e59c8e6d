import { Testing } from 'cdktf';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableDesign } from '../../functions/dynamodb/table-design.ts';
import { fieldNamesOf } from '../../functions/contract/parameters.ts';
import { ADMIN_GROUP, type RouteDefinition, routes } from '../../functions/routes.ts';
import { MAX_LAMBDA_TIMEOUT_SECONDS } from '../../infra/config.ts';
import { AUTHORIZER_IDENTITY_SOURCE, methodSourceArn, resourcePaths } from '../../infra/constructs/api.ts';
import { fileSha256Base64 } from '../../infra/constructs/functions.ts';
import { REHEARSAL_SERVICES } from '../../infra/stack.ts';
import { MOTO_GAPS } from '../../scripts/rehearsal/moto-gaps.ts';
import { ensureDist, PROD_ENV, resourcesOf, type Synthesized, synthStack } from './support.ts';

const dev = synthStack();
const prod = synthStack(PROD_ENV);
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

test('the app client is public, SRP + refresh + code flow only, does not leak user existence and sets token lifetimes', () => {
  const client = one(resourcesOf(dev.tf, 'aws_cognito_user_pool_client'));
  assert.is(client.generate_secret, false);
  assert.equal([...client.explicit_auth_flows].sort(), ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
  assert.is(client.prevent_user_existence_errors, 'ENABLED');
  assert.equal(client.allowed_oauth_flows, ['code']);
  assert.equal(client.allowed_oauth_scopes, ['openid', 'email', 'profile']);
  assert.is(client.allowed_oauth_flows_user_pool_client, true);
  assert.equal(client.callback_urls, ['http://localhost:3000/callback']);
  assert.equal(client.logout_urls, ['http://localhost:3000/']);
  assert.equal([client.id_token_validity, client.access_token_validity, client.refresh_token_validity], [15, 15, 30]);
  assert.equal(client.token_validity_units, [{ access_token: 'minutes', id_token: 'minutes', refresh_token: 'days' }]);
  assert.is(client.enable_token_revocation, true, 'sign-out revokes the refresh token');
});

test('Cognito sends e-mail itself by default (dev); with SES_IDENTITY_ARN and SES_FROM_ADDRESS, through that SES identity', () => {
  assert.equal(one(resourcesOf(dev.tf, 'aws_cognito_user_pool')).email_configuration, { email_sending_account: 'COGNITO_DEFAULT' });
  const withSes = synthStack({
    SES_IDENTITY_ARN: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
    SES_FROM_ADDRESS: 'Task API <no-reply@example.com>',
  });
  assert.equal(one(resourcesOf(withSes.tf, 'aws_cognito_user_pool')).email_configuration, {
    email_sending_account: 'DEVELOPER',
    source_arn: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
    from_email_address: 'Task API <no-reply@example.com>',
  });
});

test('TOKEN_VALIDITY_MINUTES sets the ID and access tokens’ lifetime (Cognito: 5 minutes to a day)', () => {
  const client = one(resourcesOf(synthStack({ TOKEN_VALIDITY_MINUTES: '5' }).tf, 'aws_cognito_user_pool_client'));
  assert.equal([client.id_token_validity, client.access_token_validity], [5, 5]);
  assert.throws(() => synthStack({ TOKEN_VALIDITY_MINUTES: '4' }), /TOKEN_VALIDITY_MINUTES must be from 5 to 1440/);
});

test('the password flow (USER_PASSWORD_AUTH) is allowed only with AUTH_ALLOW_PASSWORD_FLOW=true', () => {
  for (const stack of [dev, prod]) {
    assert.not.ok(one(resourcesOf(stack.tf, 'aws_cognito_user_pool_client')).explicit_auth_flows.includes('ALLOW_USER_PASSWORD_AUTH'));
  }
  const enabled = one(resourcesOf(synthStack({ AUTH_ALLOW_PASSWORD_FLOW: 'true' }).tf, 'aws_cognito_user_pool_client'));
  assert.equal([...enabled.explicit_auth_flows].sort(), ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']);
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
    assert.is(env.MAX_TASKS_PER_USER, '10000');
    if (route.paginated) {
      assert.match(env.PAGE_TOKEN_KMS_KEY_ID, /^\$\{aws_kms_key\..+\.arn\}$/);
      assert.is(env.PAGE_TOKEN_KEY_VERSION, '1');
      assert.is(env.PAGE_TOKEN_TTL_SECONDS, String(24 * 3600));
    } else assert.not.ok('PAGE_TOKEN_KMS_KEY_ID' in env, `${route.handler} must not see the page-token key`);
    assert.not.ok('NODE_OPTIONS' in env);
  }
});

test('functions log in Lambda’s JSON format to their own group, with LOG_LEVEL for their own lines', () => {
  for (const route of routes) {
    const fn = functionOf(route.handler);
    assert.is(fn.logging_config.log_format, 'JSON', route.handler);
    assert.is(fn.logging_config.application_log_level, 'INFO', route.handler);
    assert.match(fn.logging_config.log_group, /^\$\{aws_cloudwatch_log_group\..+\.name\}$/);
    assert.is(fn.environment.variables.LOG_LEVEL, 'info', route.handler);
  }
  const quiet = synthStack({ LOG_LEVEL: 'warn' }).tf;
  const warn = resourcesOf(quiet, 'aws_lambda_function').map(([, fn]) => fn);
  // Lambda's filter stays at INFO (a stricter one would drop the metric lines); the functions filter the rest.
  for (const fn of warn) assert.equal([fn.logging_config.application_log_level, fn.environment.variables.LOG_LEVEL], ['INFO', 'warn']);
  const verbose = resourcesOf(synthStack({ LOG_LEVEL: 'DEBUG' }).tf, 'aws_lambda_function').map(([, fn]) => fn);
  for (const fn of verbose) assert.equal([fn.logging_config.application_log_level, fn.environment.variables.LOG_LEVEL], ['DEBUG', 'debug']);
});

test('routes that decide on groups verify ID tokens with the pool’s issuer; the others do not get it', () => {
  for (const route of routes) {
    const env = functionOf(route.handler).environment.variables;
    if (route.adminOnly) assert.match(env.ID_TOKEN_ISSUER, /^https:\/\/\$\{aws_cognito_user_pool\..+\.endpoint\}$/);
    else assert.not.ok('ID_TOKEN_ISSUER' in env, route.handler);
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
  const paths = resourcePaths(routes);
  for (const route of routes) assert.ok(paths.includes(route.path), route.path);
  for (const path of paths)
    assert.ok(path.lastIndexOf('/') === 0 || paths.includes(path.slice(0, path.lastIndexOf('/'))), `${path}: parent`);
  const lastSegment = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  assert.equal(resources.map((resource) => resource.path_part).sort(), paths.map(lastSegment).sort());
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
    assert.is(headers['method.response.header.Vary'], "'Origin'");
    assertAllowsEveryRoute(headers, 'method.response.header');
  }
});

/**
 * Read from the routes' own schemas, not from the CORS policy the stack was built with: every method a
 * route uses and every header it reads (the token, a body's Content-Type, its declared headers) is allowed.
 */
function assertAllowsEveryRoute(parameters: Record<string, string>, prefix: string) {
  const list = (name: string) => (parameters[`${prefix}.${name}`] ?? '').replace(/^'|'$/g, '').split(',');
  const methods = list('Access-Control-Allow-Methods');
  const headers = list('Access-Control-Allow-Headers').map((header) => header.toLowerCase());
  assert.ok(methods.includes('OPTIONS'), `OPTIONS: ${methods}`);
  assert.ok(headers.includes('authorization'), `Authorization: ${headers}`);
  for (const route of routes as readonly RouteDefinition[]) {
    assert.ok(methods.includes(route.method), `${route.operationId}: ${route.method} not in ${methods}`);
    const read = [...fieldNamesOf(route.request.headers), ...(route.request.body ? ['content-type'] : [])];
    for (const header of read) assert.ok(headers.includes(header), `${route.operationId}: ${header} not in ${headers}`);
  }
}

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
    assertAllowsEveryRoute(response.response_parameters, 'gatewayresponse.header');
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

test('dev owns API Gateway’s account CloudWatch role by default, prod only when told, and the owner resets it on destroy', () => {
  const account = one(resourcesOf(dev.tf, 'aws_api_gateway_account'));
  assert.match(account.cloudwatch_role_arn, /^\$\{aws_iam_role\..+\.arn\}$/);
  assert.is(account.reset_on_delete, true, 'destroying the owner must not leave the account pointing at a deleted role');
  assert.is(resourcesOf(prod.tf, 'aws_api_gateway_account').length, 0, 'two stages in one account: only one owns the setting');
  assert.is(resourcesOf(synthStack({ APIGW_MANAGE_ACCOUNT: 'false' }).tf, 'aws_api_gateway_account').length, 0);
  assert.is(resourcesOf(synthStack({ ...PROD_ENV, APIGW_MANAGE_ACCOUNT: 'true' }).tf, 'aws_api_gateway_account').length, 1);
});

test('the account role carries the policy API Gateway documents (it tests the role by creating /aws/apigateway/welcome)', () => {
  const [roleName] =
    (one(resourcesOf(dev.tf, 'aws_api_gateway_account')).cloudwatch_role_arn as string).match(/aws_iam_role\.([\w-]+)\./)?.slice(1) ?? [];
  const attachments = resourcesOf(dev.tf, 'aws_iam_role_policy_attachment').filter(
    ([, attachment]) => attachment.role === `\${aws_iam_role.${roleName}.name}`,
  );
  assert.is(attachments.length, 1);
  assert.is(
    attachments[0]?.[1].policy_arn,
    `arn:\${element(split(":", aws_iam_role.${roleName}.arn), 1)}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
  );
  assert.not.ok(dev.tf.data?.aws_partition, 'the partition comes from an ARN of the stack, not from a data source');
  const inline = resourcesOf(dev.tf, 'aws_iam_role_policy').filter(([, policy]) => policy.role === `\${aws_iam_role.${roleName}.id}`);
  assert.is(inline.length, 0, 'no narrower inline policy that API Gateway would refuse');
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

// Firewall
// biome-ignore lint/suspicious/noExplicitAny: the synthesized Terraform JSON is untyped by nature
const ruleOf = (acl: any, name: string) => acl.rule.find((rule: { name: string }) => rule.name === name);

test('a web ACL (regional) guards the stage: associated with the stage’s ARN, allowing by default', () => {
  const acl = one(resourcesOf(dev.tf, 'aws_wafv2_web_acl'));
  assert.is(acl.scope, 'REGIONAL');
  assert.equal(acl.default_action, { allow: {} });
  const association = one(resourcesOf(dev.tf, 'aws_wafv2_web_acl_association'));
  assert.match(association.resource_arn, /^\$\{aws_api_gateway_stage\.[\w-]+\.arn\}$/);
  assert.match(association.web_acl_arn, /^\$\{aws_wafv2_web_acl\.[\w-]+\.arn\}$/);
});

test('rate rules per IP and per caller (the Authorization header), limits and window from config with per-stage defaults', () => {
  for (const [stack, perIp, perCaller] of [
    [dev, 1000, 300],
    [prod, 3000, 600],
  ] as const) {
    const acl = one(resourcesOf(stack.tf, 'aws_wafv2_web_acl'));
    assert.equal(ruleOf(acl, 'per-ip-rate').statement.rate_based_statement, {
      evaluation_window_sec: 60,
      limit: perIp,
      aggregate_key_type: 'IP',
    });
    assert.equal(ruleOf(acl, 'per-caller-rate').statement.rate_based_statement, {
      evaluation_window_sec: 60,
      limit: perCaller,
      aggregate_key_type: 'CUSTOM_KEYS',
      custom_key: [{ header: { name: 'authorization', text_transformation: [{ priority: 0, type: 'NONE' }] } }],
    });
  }
  const tuned = synthStack({ RATE_LIMIT_PER_IP: '5000', RATE_LIMIT_PER_CALLER: '100', RATE_LIMIT_WINDOW_SECONDS: '300' });
  const acl = one(resourcesOf(tuned.tf, 'aws_wafv2_web_acl'));
  assert.is(ruleOf(acl, 'per-ip-rate').statement.rate_based_statement.limit, 5000);
  assert.is(ruleOf(acl, 'per-caller-rate').statement.rate_based_statement.limit, 100);
  assert.is(ruleOf(acl, 'per-caller-rate').statement.rate_based_statement.evaluation_window_sec, 300);
});

test('a rate block answers 429 {"message":"Too Many Requests"} with Retry-After and the gateway’s CORS headers', () => {
  const acl = one(resourcesOf(dev.tf, 'aws_wafv2_web_acl'));
  assert.equal(acl.custom_response_body, [
    { key: 'too-many-requests', content: '{"message":"Too Many Requests"}', content_type: 'APPLICATION_JSON' },
  ]);
  for (const name of ['per-ip-rate', 'per-caller-rate']) {
    const response = ruleOf(acl, name).action.block.custom_response;
    assert.is(response.response_code, 429);
    assert.is(response.custom_response_body_key, 'too-many-requests');
    const headers = Object.fromEntries(
      response.response_header.map((header: { name: string; value: string }) => [header.name, header.value]),
    );
    assert.is(headers['Retry-After'], '60');
    assert.is(headers['Access-Control-Allow-Origin'], 'http://localhost:3000');
  }
});

test('AWS managed rule groups (known bad inputs, common rule set); their blocks are 403 {"message":"Forbidden"} via WAF_FILTERED', () => {
  const acl = one(resourcesOf(dev.tf, 'aws_wafv2_web_acl'));
  for (const name of ['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet']) {
    const rule = ruleOf(acl, name);
    assert.equal(rule.override_action, { none: {} }, name);
    assert.is(rule.statement.managed_rule_group_statement.vendor_name, 'AWS');
    assert.is(rule.statement.managed_rule_group_statement.name, name);
  }
  // The API's own 16 KiB body limit (413) applies instead of the common rule set's 8 KB one.
  assert.equal(ruleOf(acl, 'AWSManagedRulesCommonRuleSet').statement.managed_rule_group_statement.rule_action_override, [
    { name: 'SizeRestrictions_BODY', action_to_use: { count: {} } },
  ]);
  const filtered = resourcesOf(dev.tf, 'aws_api_gateway_gateway_response').find(
    ([, response]) => response.response_type === 'WAF_FILTERED',
  );
  assert.ok(filtered, 'a WAF_FILTERED gateway response');
  assert.is(filtered?.[1].response_templates['application/json'], '{"message":$context.error.messageString}');
});

test('the ACL logs to aws-waf-logs-<prefix> (with the stage’s retention), the Authorization header redacted', () => {
  const logging = one(resourcesOf(dev.tf, 'aws_wafv2_web_acl_logging_configuration'));
  assert.match(logging.resource_arn, /^\$\{aws_wafv2_web_acl\.[\w-]+\.arn\}$/);
  assert.equal(logging.redacted_fields, [{ single_header: { name: 'authorization' } }]);
  const [destination] = logging.log_destination_configs;
  const group = resourcesOf(dev.tf, 'aws_cloudwatch_log_group').find(
    ([name]) => destination === `\${aws_cloudwatch_log_group.${name}.arn}`,
  )?.[1];
  assert.is(group?.name, 'aws-waf-logs-task-api-dev');
  assert.is(group?.retention_in_days, 14);
});

test('the ACL and every rule publish CloudWatch metrics and sampled requests under stable names', () => {
  const acl = one(resourcesOf(dev.tf, 'aws_wafv2_web_acl'));
  assert.is(acl.name, 'task-api-dev-api');
  const configs = [acl.visibility_config, ...acl.rule.map((rule: { visibility_config: unknown }) => rule.visibility_config)];
  assert.is(configs.length, 5);
  for (const config of configs) {
    assert.is(config.cloudwatch_metrics_enabled, true);
    assert.is(config.sampled_requests_enabled, true);
    assert.match(config.metric_name, /^task-api-dev-[\w-]+$/);
  }
  assert.is(new Set(configs.map((config) => config.metric_name)).size, configs.length, 'one metric name each');
  assert.is(dev.tf.output.web_acl_name.value, 'task-api-dev-api', 'the name alarms use as the WebACL dimension');
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

test('a deployable stack has no endpoint overrides; only rehearsal mode points every service at the loopback emulator', () => {
  for (const stack of [dev, prod, synthStack({ TF_STATE_BUCKET: 'my-state' })]) {
    assert.not.ok('endpoints' in stack.tf.provider.aws[0]);
    assert.not.ok(JSON.stringify(stack.tf.terraform.backend).includes('endpoints'));
  }
  const rehearsal = synthStack({ TASK_API_REHEARSAL_ENDPOINT: 'http://127.0.0.1:5000', TF_STATE_BUCKET: 'state' }).tf;
  const [endpoints] = rehearsal.provider.aws[0].endpoints;
  assert.equal(Object.keys(endpoints).sort(), [...REHEARSAL_SERVICES].sort());
  assert.ok(Object.values(endpoints).every((url) => url === 'http://127.0.0.1:5000'));
  assert.is(rehearsal.provider.aws[0].access_key, 'testing');
  assert.is(rehearsal.terraform.backend.s3.endpoints.s3, 'http://127.0.0.1:5000');
  // Every resource type of the stack belongs to a service the rehearsal redirects (a new service must be added there).
  const services: Record<string, string> = {
    api_gateway: 'apigateway',
    cloudwatch_log: 'cloudwatchlogs',
    cloudwatch_metric: 'cloudwatch',
    cloudwatch_dashboard: 'cloudwatch',
    cloudwatch_query: 'cloudwatchlogs',
    cognito: 'cognitoidp',
    dynamodb: 'dynamodb',
    iam: 'iam',
    kms: 'kms',
    lambda: 'lambda',
    sns: 'sns',
    wafv2: 'wafv2',
    ses: 'sesv2',
    partition: 'sts',
  };
  for (const type of [...Object.keys(rehearsal.resource), ...Object.keys(rehearsal.data ?? {})]) {
    const service = Object.entries(services).find(([prefix]) => type.replace(/^aws_/, '').startsWith(prefix))?.[1];
    assert.ok(
      service && (REHEARSAL_SERVICES as readonly string[]).includes(service),
      `${type}: which endpoint does the rehearsal give it?`,
    );
  }
  assert.throws(() => synthStack({ TASK_API_REHEARSAL_ENDPOINT: 'https://apigateway.eu-west-1.amazonaws.com' }), /loopback/);
});

test('only rehearsal mode leaves out what moto cannot answer (scripts/rehearsal/moto-gaps.ts)', () => {
  const rehearsal = synthStack({ TASK_API_REHEARSAL_ENDPOINT: 'http://127.0.0.1:5000' }).tf;
  for (const gap of MOTO_GAPS) {
    const inRehearsal = resourcesOf(rehearsal, gap.resourceType);
    assert.ok(inRehearsal.length > 0, `${gap.resourceType}: a gap for a resource the stack no longer has`);
    for (const [name, resource] of inRehearsal) {
      for (const [key, value] of Object.entries(gap.override)) assert.equal(resource[key], value, `${name}.${key}`);
    }
    for (const stack of [dev, prod]) {
      for (const [name, resource] of resourcesOf(stack.tf, gap.resourceType)) {
        for (const [key, value] of Object.entries(gap.override)) assert.not.equal(resource[key], value, `deployable ${name}.${key}`);
      }
    }
  }
  assert.not.ok('count' in (resourcesOf(rehearsal, 'aws_cloudwatch_query_definition')[0]?.[1] ?? {}), 'the saved queries are rehearsed');
  assert.equal(resourcesOf(rehearsal, 'aws_lambda_function')[0]?.[1].lifecycle, { ignore_changes: ['logging_config'] });
});

test('AWS_PROVIDER_VERSION selects a later hashicorp/aws (nodejs24.x needs >= 6.19), without the argument 6.x removed', () => {
  const node24 = synthStack({ LAMBDA_RUNTIME: 'nodejs24.x', AWS_PROVIDER_VERSION: '6.19.0' }).tf;
  assert.is(node24.terraform.required_providers.aws.version, '6.19.0');
  for (const [, fn] of resourcesOf(node24, 'aws_lambda_function')) assert.is(fn.runtime, 'nodejs24.x');
  assert.not.ok(
    'reset_on_delete' in one(resourcesOf(node24, 'aws_api_gateway_account')),
    'hashicorp/aws 6 always resets and rejects the argument',
  );
});

test('the outputs are the API URL, user pool, client, table, region, web ACL name, alarm topic and dashboard', () => {
  assert.equal(Object.keys(dev.tf.output).sort(), [
    'alarm_topic_arn',
    'api_url',
    'auth_domain',
    'dashboard_name',
    'region',
    'table_name',
    'user_pool_client_id',
    'user_pool_id',
    'web_acl_name',
  ]);
  assert.match(dev.tf.output.api_url.value, /^\$\{aws_api_gateway_stage\..+\.invoke_url\}$/);
});

test.run();
