/**
 * "Adding a route is one entry in the route table and one handler file": checked, not asserted. A route
 * that is not shipped (PUT /tasks/{taskId}/archive, test/fixtures) is added to the table in memory, and
 * everything that should follow from the entry is looked for: its bundle, its API resource, method,
 * authorizer, integration, invoke permission, IAM role and alarms in the synthesized stack, its method in
 * every CORS preflight (API Gateway's and local mode's), its local route, and its API document entry.
 */
import '../support/env.ts';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Testing } from 'cdktf';
import { ulid } from 'ulid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LambdaHandler } from '../../functions/http/handler.ts';
import { type RouteDefinition, routes } from '../../functions/routes.ts';
import { methodSourceArn } from '../../infra/constructs/api.ts';
import { TaskApiStack } from '../../infra/stack.ts';
import { createGateway } from '../../local/gateway/gateway.ts';
import { routeInfoOf } from '../../local/gateway/routing.ts';
import { close, listen } from '../../local/net.ts';
import { buildAll } from '../../scripts/build.ts';
import { handlerNames } from '../../scripts/bundle.ts';
import { buildOpenApiDocument } from '../../scripts/openapi.ts';
import { archiveTaskRoute, FIXTURE_HANDLERS_DIR } from '../fixtures/archive-route.ts';
import { resourcesOf, testApp, testConfig } from '../infra/support.ts';

const ROUTES: readonly RouteDefinition[] = [...routes, archiveTaskRoute];
const ORIGIN = 'https://app.example.com';
const USER = '11111111-aaaa-4aaa-8aaa-111111111111';

interface Context {
  dist: string;
  // biome-ignore lint/suspicious/noExplicitAny: the synthesized Terraform JSON is untyped by nature
  tf: any;
  server: Server;
  url: string;
}

const test = suite<Context>('a route added to the table brings everything else along');

test.before(async (context) => {
  // dist/ as `make build` leaves it for the shipped routes, plus the new route's zip built from the table.
  const config = testConfig({ ALLOWED_ORIGINS: ORIGIN });
  context.dist = await mkdtemp(path.join(tmpdir(), 'task-api-synthetic-route-'));
  for (const file of await readdir(config.distDir)) {
    if (file.endsWith('.zip')) await copyFile(path.join(config.distDir, file), path.join(context.dist, file));
  }
  await buildAll({ routes: ROUTES, handlersDir: FIXTURE_HANDLERS_DIR, handlers: [archiveTaskRoute.handler], outDir: context.dist });

  const stack = new TaskApiStack(testApp(), config.prefix, { config: { ...config, distDir: context.dist }, routes: ROUTES });
  context.tf = JSON.parse(Testing.synth(stack));

  // Local mode's gateway with the same table, invoking the new route's bundle as built for Lambda.
  const bundle = (await import(pathToFileURL(path.join(context.dist, archiveTaskRoute.handler, 'index.mjs')).href)) as {
    handler: LambdaHandler;
  };
  const gateway = createGateway({
    routes: ROUTES.map(routeInfoOf),
    authorize: async (authorization) =>
      authorization === 'good'
        ? { ok: true, claims: { sub: USER } }
        : { ok: false, status: 401, message: 'Unauthorized', errorType: 'UnauthorizedException' },
    invoke: (route, event) => {
      if (route.handler !== archiveTaskRoute.handler) throw new Error(`unexpected ${route.handler}`);
      return bundle.handler(event);
    },
    allowedOrigins: [ORIGIN],
  });
  context.server = createServer((req, res) => void gateway(req, res));
  context.url = `http://127.0.0.1:${await listen(context.server, 0, '127.0.0.1')}`;
});

test.after(async ({ dist, server }) => {
  await close(server);
  await rm(dist, { recursive: true, force: true });
});

test('build: the handler is an entry point and gets its own zip', async ({ dist }) => {
  assert.ok(handlerNames(ROUTES).includes('archive-task'));
  assert.not.ok(handlerNames().includes('archive-task'), 'the shipped table stays as it is');
  assert.ok((await readdir(dist)).includes('archive-task.zip'));
});

test('infrastructure: a resource under /tasks/{taskId}, a PUT method behind the Cognito authorizer, proxied to its own function', ({
  tf,
}) => {
  const resources = resourcesOf(tf, 'aws_api_gateway_resource').map(([, resource]) => resource);
  const archive = resources.find((resource) => resource.path_part === 'archive');
  assert.ok(archive, 'no archive resource');
  assert.match(archive.parent_id, /resource-tasks-taskid/);

  const methods = resourcesOf(tf, 'aws_api_gateway_method').map(([, method]) => method);
  const put = methods.find((method) => method.operation_name === 'archiveTask');
  assert.ok(put, 'no method for archiveTask');
  assert.is(put.http_method, 'PUT');
  assert.is(put.authorization, 'COGNITO_USER_POOLS');
  assert.match(put.authorizer_id, /^\$\{aws_api_gateway_authorizer\./);
  assert.is(put.request_parameters['method.request.path.taskId'], true);
  assert.is(put.request_parameters['method.request.header.if-match'], false);

  const integrations = resourcesOf(tf, 'aws_api_gateway_integration').map(([, integration]) => integration);
  const proxy = integrations.find((integration) => integration.type === 'AWS_PROXY' && integration.uri.includes('archive-task'));
  assert.ok(proxy, 'no proxy integration to the archive-task function');

  const fn = resourcesOf(tf, 'aws_lambda_function').find(([, candidate]) => candidate.function_name === 'task-api-dev-archive-task');
  assert.ok(fn, 'no function');
  assert.match(fn[1].filename, /archive-task\.zip$/);
});

test('infrastructure: only that method may invoke the function, and its role names exactly the declared actions', ({ tf }) => {
  const permission = resourcesOf(tf, 'aws_lambda_permission').find(([, candidate]) => candidate.function_name.includes('archive-task'));
  assert.ok(permission, 'no invoke permission');
  const executionArn = permission[1].source_arn.split('/*/')[0];
  assert.match(executionArn, /^\$\{aws_api_gateway_rest_api\.[^}]+\.execution_arn\}$/);
  assert.is(permission[1].source_arn, methodSourceArn(executionArn, archiveTaskRoute));
  assert.match(permission[1].source_arn, /\/\*\/PUT\/tasks\/\*\/archive$/);

  const policy = resourcesOf(tf, 'aws_iam_role_policy').find(([, candidate]) => candidate.name === 'task-api-dev-archive-task-fn');
  assert.ok(policy, 'no role policy');
  const table = JSON.parse(policy[1].policy).Statement.find((statement: { Sid: string }) => statement.Sid === 'Table');
  assert.equal(table.Action, ['dynamodb:UpdateItem']);
  assert.is(table.Resource.length, 1);
});

test('infrastructure: the function is watched like the others', ({ tf }) => {
  const alarms = resourcesOf(tf, 'aws_cloudwatch_metric_alarm').map(([, alarm]) => alarm.alarm_name);
  for (const kind of ['lambda-errors', 'lambda-throttles', 'lambda-duration']) {
    assert.ok(alarms.includes(`task-api-dev-archive-task-${kind}`), kind);
  }
});

test('infrastructure: every preflight and gateway response allows PUT', ({ tf }) => {
  const preflights = resourcesOf(tf, 'aws_api_gateway_integration_response').map(([, response]) => response);
  assert.ok(preflights.length > 0);
  for (const response of preflights) {
    assert.match(response.response_parameters['method.response.header.Access-Control-Allow-Methods'], /\bPUT\b/);
  }
  assert.ok(
    resourcesOf(tf, 'aws_api_gateway_method').some(([name, method]) => name.includes('archive') && method.http_method === 'OPTIONS'),
  );
  for (const [, response] of resourcesOf(tf, 'aws_api_gateway_gateway_response')) {
    assert.match(response.response_parameters['gatewayresponse.header.Access-Control-Allow-Methods'], /\bPUT\b/);
  }
});

test('local mode: the preflight on the new resource allows PUT, and PUT reaches the bundle', async ({ url }) => {
  // Not test/support/ddb.ts's newTaskId: that module mocks the SDK client for every suite in this process.
  const taskId = ulid();
  const preflight = await fetch(`${url}/tasks/${taskId}/archive`, {
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization,if-match' },
  });
  assert.is(preflight.status, 200);
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /\bPUT\b/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /If-Match/);

  const response = await fetch(`${url}/tasks/${taskId}/archive`, {
    method: 'PUT',
    headers: { Authorization: 'good', 'If-Match': '"3"', Origin: ORIGIN },
  });
  assert.is(response.status, 200);
  assert.equal(await response.json(), { archived: taskId, by: USER, if_match: 3 });
  assert.is(response.headers.get('access-control-allow-origin'), ORIGIN);

  const refused = await fetch(`${url}/tasks/${taskId}/archive`, { method: 'PUT', headers: { Authorization: 'good', 'If-Match': 'W/"3"' } });
  assert.is(refused.status, 400);
  assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'validation_failed');
});

test('API document: the operation with its parameters and errors', () => {
  const operation = buildOpenApiDocument(ROUTES).paths['/tasks/{taskId}/archive']?.put as {
    operationId: string;
    parameters: Array<{ name: string; in: string }>;
    responses: Record<string, unknown>;
  };
  assert.ok(operation, 'not documented');
  assert.is(operation.operationId, 'archiveTask');
  assert.ok(operation.parameters.some((parameter) => parameter.name === 'taskId' && parameter.in === 'path'));
  assert.ok(operation.parameters.some((parameter) => parameter.name === 'If-Match' && parameter.in === 'header'));
  for (const status of ['200', '400', '401', '404', '412', '500']) assert.ok(status in operation.responses, status);
  assert.not.ok('/tasks/{taskId}/archive' in buildOpenApiDocument().paths, 'the shipped document stays as it is');
});

test.run();
