/**
 * Monitoring, on the synthesized stacks: every alarm with its metric, dimensions, threshold, missing-data
 * rule and actions; the encrypted topic and its e-mail subscription; the saved runbook queries; the
 * dashboard; and the WAF alarm once a web ACL name is passed in.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktf';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { Monitoring, savedQueryName } from '../../infra/constructs/monitoring.ts';
import { ALARM_KINDS, MIN_REQUESTS_FOR_RATE, RUNBOOK_PATH } from '../../infra/monitoring/alarms.ts';
import { PROD_ENV, resourcesOf, synthStack, testApp, testConfig } from './support.ts';

const dev = synthStack().tf;
const prod = synthStack(PROD_ENV).tf;

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON
type Json = any;
const alarmsOf = (tf: Json): Record<string, Json> =>
  Object.fromEntries(resourcesOf(tf, 'aws_cloudwatch_metric_alarm').map(([, alarm]) => [alarm.alarm_name, alarm]));
const refOf = (tf: Json, type: string, attribute: string, match: (config: Json) => boolean = () => true) => {
  const found = resourcesOf(tf, type).filter(([, config]) => match(config));
  assert.is(found.length, 1, `one ${type}`);
  return `\${${type}.${found[0]?.[0]}.${attribute}}`;
};
const functionRef = (tf: Json, handler: string, prefix: string) =>
  refOf(tf, 'aws_lambda_function', 'function_name', (fn) => fn.function_name === `${prefix}-${handler}`);

const PER_FUNCTION = ['lambda-errors', 'lambda-throttles', 'lambda-duration'];
const expectedNames = (prefix: string, extra: string[] = []) =>
  [
    `${prefix}-api-5xx-rate`,
    `${prefix}-api-4xx-rate`,
    `${prefix}-api-p99-latency`,
    `${prefix}-dynamodb-throttles`,
    `${prefix}-dynamodb-system-errors`,
    `${prefix}-waf-blocked-requests`,
    ...routes.flatMap((route) => PER_FUNCTION.map((kind) => `${prefix}-${route.handler}-${kind}`)),
    ...extra.map((id) => `${prefix}-${id}`),
  ].sort();

test('each stage has exactly its alarms: API 5xx/4xx rate and p99, errors/throttles/duration per function, DynamoDB, WAF', () => {
  assert.equal(Object.keys(alarmsOf(dev)).sort(), expectedNames('task-api-dev'));
  assert.equal(Object.keys(alarmsOf(prod)).sort(), expectedNames('task-api-prod'));
});

test('the stack watches its own web ACL: the WAF alarm’s WebACL dimension is the ACL the stage is guarded by', () => {
  for (const tf of [dev, prod]) {
    const acl = resourcesOf(tf, 'aws_wafv2_web_acl')[0]?.[1] as Json;
    const alarm = Object.entries(alarmsOf(tf)).find(([name]) => name.endsWith('-waf-blocked-requests'))?.[1];
    assert.equal(alarm.dimensions, { WebACL: acl.name, Region: 'eu-west-1', Rule: 'ALL' });
  }
});

test('every alarm notifies the stage’s topic when it fires and when it recovers, and names its runbook section', () => {
  for (const tf of [dev, prod]) {
    const topic = refOf(tf, 'aws_sns_topic', 'arn');
    for (const [name, alarm] of Object.entries(alarmsOf(tf))) {
      assert.equal(alarm.alarm_actions, [topic], name);
      assert.equal(alarm.ok_actions, [topic], name);
      assert.match(alarm.alarm_description, new RegExp(`Runbook: ${RUNBOOK_PATH}#[a-z0-9-]+$`), name);
    }
  }
});

test('API 5xx rate: 100 × 5XXError / Count of the stage, counted from 10 requests, over the stage’s threshold', () => {
  for (const [tf, stage, threshold] of [
    [dev, 'dev', 5],
    [prod, 'prod', 1],
  ] as const) {
    const alarm = alarmsOf(tf)[`task-api-${stage}-api-5xx-rate`];
    const dimensions = { ApiName: refOf(tf, 'aws_api_gateway_rest_api', 'name'), Stage: refOf(tf, 'aws_api_gateway_stage', 'stage_name') };
    const [requests, errors, rate] = alarm.metric_query;
    assert.equal(requests.metric, { namespace: 'AWS/ApiGateway', metric_name: 'Count', dimensions, period: 300, stat: 'Sum' });
    assert.equal(errors.metric, { namespace: 'AWS/ApiGateway', metric_name: '5XXError', dimensions, period: 300, stat: 'Sum' });
    assert.equal([requests.return_data, errors.return_data, rate.return_data], [false, false, true]);
    assert.is(rate.expression, `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`);
    assert.is(alarm.threshold, threshold);
    assert.is(alarm.comparison_operator, 'GreaterThanOrEqualToThreshold');
    assert.equal([alarm.evaluation_periods, alarm.datapoints_to_alarm], [3, 2]);
    assert.is(alarm.treat_missing_data, 'notBreaching', 'no traffic is not an outage');
    assert.not.ok('metric_name' in alarm);
  }
});

test('API 4xx rate: 4XXError / Count, sustained over three periods (a broken client release, not a stray scanner)', () => {
  const alarm = alarmsOf(prod)['task-api-prod-api-4xx-rate'];
  assert.is(alarm.metric_query[1].metric.metric_name, '4XXError');
  assert.is(alarm.metric_query[2].expression, `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`);
  assert.is(alarm.threshold, 15);
  assert.equal([alarm.evaluation_periods, alarm.datapoints_to_alarm], [3, 3]);
  assert.is(alarmsOf(synthStack({ ALARM_API_4XX_PERCENT: '50' }).tf)['task-api-dev-api-4xx-rate'].threshold, 50);
});

test('API p99 latency: the stage’s Latency p99 above the threshold for 15 minutes', () => {
  for (const [tf, stage, threshold] of [
    [dev, 'dev', 3000],
    [prod, 'prod', 2000],
  ] as const) {
    const alarm = alarmsOf(tf)[`task-api-${stage}-api-p99-latency`];
    assert.equal(
      [alarm.namespace, alarm.metric_name, alarm.extended_statistic, alarm.period, alarm.comparison_operator, alarm.threshold],
      ['AWS/ApiGateway', 'Latency', 'p99', 300, 'GreaterThanThreshold', threshold],
    );
    assert.equal(alarm.dimensions, {
      ApiName: refOf(tf, 'aws_api_gateway_rest_api', 'name'),
      Stage: refOf(tf, 'aws_api_gateway_stage', 'stage_name'),
    });
    assert.not.ok('statistic' in alarm);
    assert.is(alarm.treat_missing_data, 'notBreaching');
  }
});

test('per function (from the route table): Errors ≥ 1, Throttles ≥ 1, Duration maximum ≥ 80% of its timeout', () => {
  for (const route of routes) {
    const name = (kind: string) => `task-api-dev-${route.handler}-${kind}`;
    const dimensions = { FunctionName: functionRef(dev, route.handler, 'task-api-dev') };
    const errors = alarmsOf(dev)[name('lambda-errors')];
    assert.equal(
      [errors.namespace, errors.metric_name, errors.statistic, errors.threshold, errors.comparison_operator, errors.period],
      ['AWS/Lambda', 'Errors', 'Sum', 1, 'GreaterThanOrEqualToThreshold', 300],
    );
    assert.equal(errors.dimensions, dimensions);
    const throttles = alarmsOf(dev)[name('lambda-throttles')];
    assert.equal([throttles.metric_name, throttles.statistic, throttles.threshold], ['Throttles', 'Sum', 1]);
    assert.equal(throttles.dimensions, dimensions);
    const duration = alarmsOf(dev)[name('lambda-duration')];
    assert.equal([duration.metric_name, duration.statistic, duration.threshold], ['Duration', 'Maximum', 8000]);
    assert.equal(duration.dimensions, dimensions);
    for (const alarm of [errors, throttles, duration]) assert.is(alarm.treat_missing_data, 'notBreaching', 'no invocations');
  }
  const slower = alarmsOf(synthStack({ LAMBDA_TIMEOUT_SECONDS: '20', ALARM_LAMBDA_DURATION_PERCENT: '90' }).tf);
  assert.is(slower['task-api-dev-get-task-lambda-duration'].threshold, 18000);
});

test('DynamoDB throttles and system errors: the sum over every operation the route table performs, on the table', () => {
  const table = refOf(dev, 'aws_dynamodb_table', 'name');
  for (const [id, metricName] of [
    ['dynamodb-throttles', 'ThrottledRequests'],
    ['dynamodb-system-errors', 'SystemErrors'],
  ]) {
    const alarm = alarmsOf(dev)[`task-api-dev-${id}`];
    const metrics = alarm.metric_query.filter((query: Json) => query.metric);
    assert.equal(
      metrics.map((query: Json) => query.metric.dimensions.Operation),
      ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
    );
    for (const query of metrics) {
      assert.equal(
        [query.metric.namespace, query.metric.metric_name, query.metric.dimensions.TableName, query.metric.stat],
        ['AWS/DynamoDB', metricName, table, 'Sum'],
      );
    }
    assert.is(alarm.metric_query.at(-1).expression, 'SUM([m0, m1, m2, m3, m4])');
    assert.equal(
      [alarm.threshold, alarm.comparison_operator, alarm.treat_missing_data],
      [1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
    );
  }
});

test('a stage that should never be idle can alarm on silence: missing data then breaches', () => {
  assert.not.ok('task-api-dev-api-traffic-stopped' in alarmsOf(dev));
  const busy = synthStack({ ALARM_MIN_REQUESTS_PER_HOUR: '60' }).tf;
  assert.equal(Object.keys(alarmsOf(busy)).sort(), expectedNames('task-api-dev', ['api-traffic-stopped']));
  const alarm = alarmsOf(busy)['task-api-dev-api-traffic-stopped'];
  assert.equal(
    [alarm.metric_name, alarm.statistic, alarm.period, alarm.comparison_operator, alarm.threshold, alarm.treat_missing_data],
    ['Count', 'Sum', 3600, 'LessThanThreshold', 60, 'breaching'],
  );
});

test('the topic is encrypted with a rotated customer managed key that CloudWatch may use (not aws/sns, which it cannot)', () => {
  const topic = resourcesOf(dev, 'aws_sns_topic')[0]?.[1];
  assert.is(topic.name, 'task-api-dev-alarms');
  const keyName = topic.kms_master_key_id.match(/^\$\{aws_kms_key\.([\w-]+)\.arn\}$/)?.[1];
  assert.ok(keyName, topic.kms_master_key_id);
  const key = dev.resource.aws_kms_key[keyName];
  assert.is(key.enable_key_rotation, true);
  const statements = JSON.parse(key.policy.replace(/\$\{[^}]*\}/g, 'REF')).Statement;
  const cloudwatch = statements.find((statement: Json) => statement.Principal.Service === 'cloudwatch.amazonaws.com');
  assert.equal(cloudwatch.Action, ['kms:Decrypt', 'kms:GenerateDataKey*']);
  assert.equal(cloudwatch.Condition, { StringEquals: { 'aws:SourceAccount': 'REF' } });
});

test('ALARM_EMAIL subscribes one address to the topic; without it (dev only) there is no subscription', () => {
  assert.is(resourcesOf(dev, 'aws_sns_topic_subscription').length, 0);
  const [[, subscription]] = resourcesOf(prod, 'aws_sns_topic_subscription') as [[string, Json]];
  assert.equal(
    [subscription.protocol, subscription.endpoint, subscription.topic_arn],
    ['email', 'ops@example.com', refOf(prod, 'aws_sns_topic', 'arn')],
  );
});

test('one saved Logs Insights query per kind of alarm, on the logs its runbook section reads', () => {
  const queries = resourcesOf(dev, 'aws_cloudwatch_query_definition').map(([, query]) => query);
  const kindsInUse = Object.values(ALARM_KINDS).filter((kind) => kind.id !== 'api-traffic-stopped');
  assert.equal(queries.map((query) => query.name).sort(), kindsInUse.map((kind) => savedQueryName('task-api-dev', kind)).sort());
  const functionGroups = routes.map((route) =>
    refOf(dev, 'aws_cloudwatch_log_group', 'name', (group) => group.name === `/aws/lambda/task-api-dev-${route.handler}`),
  );
  const accessGroup = refOf(dev, 'aws_cloudwatch_log_group', 'name', (group) => group.name === '/aws/apigateway/task-api-dev-access');
  for (const kind of kindsInUse) {
    const saved = queries.find((query) => query.name === savedQueryName('task-api-dev', kind));
    assert.is(saved.query_string, kind.query);
    assert.equal(saved.log_group_names, kind.logs === 'functions' ? functionGroups : [accessGroup], kind.id);
  }
});

test('the dashboard shows the alarms’ states, the API, each route, the functions and the table', () => {
  const [[, dashboard]] = resourcesOf(dev, 'aws_cloudwatch_dashboard') as [[string, Json]];
  assert.is(dashboard.dashboard_name, 'task-api-dev');
  const body = JSON.parse(dashboard.dashboard_body);
  const alarmWidget = body.widgets.find((widget: Json) => widget.type === 'alarm');
  assert.equal(
    [...alarmWidget.properties.alarms].sort(),
    resourcesOf(dev, 'aws_cloudwatch_metric_alarm')
      .map(([name]) => `\${aws_cloudwatch_metric_alarm.${name}.arn}`)
      .sort(),
  );
  const titles = body.widgets.map((widget: Json) => widget.properties.title).filter(Boolean);
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    for (const part of ['requests by status class', 'latency', 'cold starts and outcomes'])
      assert.ok(titles.includes(`${key}: ${part}`), `${key}: ${part}`);
  }
  for (const title of [
    'API: requests and errors',
    'API: latency',
    'Functions: duration p99',
    'Functions: errors and throttles',
    'DynamoDB: consumed capacity',
    'DynamoDB: throttles and system errors',
  ])
    assert.ok(titles.includes(title), title);
  const routeWidget = body.widgets.find((widget: Json) => widget.properties.title === 'GET /tasks: requests by status class');
  assert.equal(routeWidget.properties.metrics[1], [
    'TaskApi',
    'Status4xx',
    'Service',
    'task-api-dev',
    'Route',
    'GET /tasks',
    { label: 'Status4xx' },
  ]);
  for (const widget of body.widgets) assert.ok(widget.x + widget.width <= 24, 'inside the 24-column grid');
});

test('the functions’ metrics are per stage: each function names its stack as the Service dimension', () => {
  for (const [, fn] of resourcesOf(prod, 'aws_lambda_function')) assert.is(fn.environment.variables.SERVICE_NAME, 'task-api-prod');
});

/** The construct alone, with fake names: how the stack wires the web ACL once it exists. */
function monitoringWith(webAcl?: { name: string }): Json {
  const config = testConfig();
  const app = testApp();
  const stack = new TerraformStack(app, 'monitoring-only');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new Monitoring(stack, 'monitoring', {
    prefix: 'task-api-dev',
    region: 'eu-west-1',
    api: { name: 'task-api-dev-api', stage: 'dev', accessLogGroupName: '/aws/apigateway/task-api-dev-access' },
    functions: routes.map((route) => ({
      route,
      functionName: `task-api-dev-${route.handler}`,
      invokeArn: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
      logGroupName: `/aws/lambda/task-api-dev-${route.handler}`,
    })),
    timeoutSeconds: 10,
    table: { name: 'task-api-dev-tasks', arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/task-api-dev-tasks' },
    thresholds: config.monitoring.thresholds,
    ...(webAcl ? { webAcl } : {}),
  });
  return JSON.parse(Testing.synth(stack));
}

test('with a web ACL: a blocked-request spike alarm on its BlockedRequests, its saved query and a dashboard row', () => {
  const tf = monitoringWith({ name: 'fake-acl' });
  const alarm = alarmsOf(tf)['task-api-dev-waf-blocked-requests'];
  assert.equal(
    [
      alarm.namespace,
      alarm.metric_name,
      alarm.statistic,
      alarm.period,
      alarm.threshold,
      alarm.comparison_operator,
      alarm.treat_missing_data,
    ],
    ['AWS/WAFV2', 'BlockedRequests', 'Sum', 300, 100, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
  );
  assert.equal(alarm.dimensions, { WebACL: 'fake-acl', Region: 'eu-west-1', Rule: 'ALL' });
  assert.ok(resourcesOf(tf, 'aws_cloudwatch_query_definition').some(([, query]) => query.query_string === ALARM_KINDS.wafBlocked.query));
  const body = JSON.parse(resourcesOf(tf, 'aws_cloudwatch_dashboard')[0]?.[1].dashboard_body);
  assert.ok(body.widgets.some((widget: Json) => widget.properties.title === 'WAF: allowed and blocked requests'));

  const without = monitoringWith();
  assert.not.ok('task-api-dev-waf-blocked-requests' in alarmsOf(without));
  assert.is(Object.keys(alarmsOf(without)).length, Object.keys(alarmsOf(tf)).length - 1);
});

test.run();
