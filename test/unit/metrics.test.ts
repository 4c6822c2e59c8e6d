/**
 * The metric lines a handler emits (CloudWatch embedded metric format, one per invocation): what a
 * success, a 4xx and a 5xx write, the named outcomes (replays, If-Match conflicts, validation failures,
 * quota refusals), and that every line is a document CloudWatch accepts.
 */
import '../support/env.ts';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler as createTask } from '../../functions/handlers/create-task.ts';
import { handler as getTask } from '../../functions/handlers/get-task.ts';
import { handler as updateTask } from '../../functions/handlers/update-task.ts';
import { defineHandler } from '../../functions/http/handler.ts';
import { DIMENSION, METRIC, METRICS_NAMESPACE, metricsDocument, OUTCOME_METRIC } from '../../functions/http/metrics.ts';
import { route } from '../../functions/routes.ts';
import { fingerprintOf } from '../../functions/tasks/service.ts';
import { QuotaExceededError } from '../../functions/tasks/errors.ts';
import { conditionFailed, ddb, makeTask, newTaskId, resetMocks, storedItem } from '../support/ddb.ts';
import { USER_A } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';
import { type MetricLine, metricLines, requestLogLines, streamsOfLines } from '../support/logs.ts';

const TASK_ID = newTaskId();
const byId = { path: `/tasks/${TASK_ID}`, resource: '/tasks/{taskId}', pathParameters: { taskId: TASK_ID } };

/** The one metric line of the last invocation. */
function onlyMetricLine(): MetricLine {
  const lines = metricLines();
  assert.is(lines.length, 1, 'one metric line per invocation');
  return lines[0] as MetricLine;
}

/** Metric name -> its dimension sets, over every directive of a line. */
function declared(line: MetricLine): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const directive of line._aws.CloudWatchMetrics) {
    assert.is(directive.Namespace, METRICS_NAMESPACE);
    for (const metric of directive.Metrics) out[metric.Name] = [...(out[metric.Name] ?? []), ...directive.Dimensions];
  }
  return out;
}

const PER_ROUTE = [[DIMENSION.service, DIMENSION.route]];

// ---------------------------------------------------------------------------------------------------
const lines = suite('each invocation emits one embedded-metric-format line');
lines.before.each(resetMocks);

lines('a success: one request of class 2xx on its route, with latency and cold start, no error code', async () => {
  ddb.on(GetCommand).resolves({ Item: storedItem(USER_A, makeTask({ task_id: TASK_ID })) });

  const response = await invoke(getTask, byId);

  assert.is(response.status, 200);
  const line = onlyMetricLine();
  assert.is(line.Service, 'task-api-test');
  assert.is(line.Route, 'GET /tasks/{taskId}');
  assert.equal([line.Requests, line.Status2xx, line.Status4xx, line.Status5xx], [1, 1, 0, 0]);
  assert.type(line.Latency, 'number');
  assert.ok([0, 1].includes(line.ColdStart as number));
  assert.not.ok('ErrorCode' in line);
  assert.equal(declared(line), {
    Requests: PER_ROUTE,
    Status2xx: PER_ROUTE,
    Status4xx: PER_ROUTE,
    Status5xx: PER_ROUTE,
    ColdStart: PER_ROUTE,
    Latency: PER_ROUTE,
  });
  const units = Object.fromEntries(line._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => [m.Name, m.Unit])));
  assert.is(units.Latency, 'Milliseconds');
  assert.is(units.Requests, 'Count');
});

lines('a 4xx: class 4xx, and its error code counted per route and code', async () => {
  const response = await invoke(getTask, byId);

  assert.is(response.status, 404);
  const line = onlyMetricLine();
  assert.equal([line.Status2xx, line.Status4xx, line.Status5xx], [0, 1, 0]);
  assert.is(line.ErrorCode, 'not_found');
  assert.is(line.ErrorResponses, 1);
  assert.equal(declared(line).ErrorResponses, [[DIMENSION.service, DIMENSION.route, DIMENSION.errorCode]]);
  assert.is(requestLogLines()[0]?.error_code, 'not_found', 'the log line names the code too');
});

lines('a 5xx: class 5xx with the code internal; the log line goes to stderr, the metrics to stdout', async () => {
  ddb.on(GetCommand).rejects(new Error('connection reset'));

  const response = await invoke(getTask, byId);

  assert.is(response.status, 500);
  const line = onlyMetricLine();
  assert.equal([line.Status2xx, line.Status4xx, line.Status5xx], [0, 0, 1]);
  assert.is(line.ErrorCode, 'internal');
  assert.equal(streamsOfLines(), ['stderr', 'stdout']);
  assert.not.ok(JSON.stringify(line).includes('connection reset'), 'no error text in the metrics');
});

lines('the second invocation of a warm function is not a cold start', async () => {
  await invoke(getTask, byId);
  await invoke(getTask, byId);

  assert.is(metricLines()[1]?.ColdStart, 0);
  assert.is(requestLogLines()[1]?.cold_start, false);
});

lines.run();

// ---------------------------------------------------------------------------------------------------
const outcomes = suite('named outcomes are counted per route when they happen');
outcomes.before.each(resetMocks);

outcomes('a validation failure counts ValidationFailures on its route', async () => {
  await invoke(createTask, { method: 'POST', path: '/tasks', body: { title: '' } });

  const line = onlyMetricLine();
  assert.is(line.Route, 'POST /tasks');
  assert.is(line.ValidationFailures, 1);
  assert.equal(declared(line).ValidationFailures, PER_ROUTE);
});

outcomes('an If-Match conflict (412) counts PreconditionFailures', async () => {
  ddb.on(UpdateCommand).rejects(conditionFailed(storedItem(USER_A, makeTask({ task_id: TASK_ID, version: 3 }))));

  const response = await invoke(updateTask, { ...byId, method: 'PATCH', body: { status: 'done' }, headers: { 'If-Match': '"2"' } });

  assert.is(response.status, 412);
  assert.is(onlyMetricLine().PreconditionFailures, 1);
});

outcomes('a replayed idempotent create counts IdempotentReplays and is still a 2xx', async () => {
  const task = makeTask();
  const fingerprint = fingerprintOf({ title: task.title, description: task.description, status: task.status });
  ddb.on(PutCommand, { Item: { SK: 'IDEMPOTENCY#k-1' } }).rejects(conditionFailed());
  ddb.on(GetCommand, { Key: { SK: 'IDEMPOTENCY#k-1' } }).resolves({ Item: { fingerprint, task, completed: true } });
  ddb.on(GetCommand, { Key: { SK: `TASK#${task.task_id}` } }).resolves({ Item: storedItem(USER_A, task) });

  const response = await invoke(createTask, {
    method: 'POST',
    path: '/tasks',
    body: { title: task.title, description: task.description },
    headers: { 'Idempotency-Key': 'k-1' },
  });

  assert.is(response.status, 201);
  const line = onlyMetricLine();
  assert.is(line.IdempotentReplays, 1);
  assert.is(line.Status2xx, 1);
  assert.not.ok('replayed' in response.body && 'outcome' in response.body, 'the outcome is never sent');
});

outcomes('a first create is not a replay', async () => {
  await invoke(createTask, { method: 'POST', path: '/tasks', body: { title: 'x' }, headers: { 'Idempotency-Key': 'k-2' } });

  assert.not.ok('IdempotentReplays' in onlyMetricLine());
});

outcomes('any error code is counted, and quota_exceeded also as QuotaRefusals', async () => {
  const refusing = defineHandler(route('createTask'), async () => {
    throw new QuotaExceededError(3);
  });

  const response = await invoke(refusing, { method: 'POST', path: '/tasks', body: { title: 'x' } });

  assert.is(response.status, 409);
  const line = onlyMetricLine();
  assert.is(line.ErrorCode, 'quota_exceeded');
  assert.is(line.QuotaRefusals, 1);
  assert.is(line.ErrorResponses, 1);
});

outcomes.run();

// ---------------------------------------------------------------------------------------------------
const format = suite('every document is one CloudWatch accepts');

format('each declared metric has a number and each dimension a string at the root; at most 30 dimensions and 100 metrics', () => {
  const cases = [
    { status: 200 },
    { status: 404, errorCode: 'not_found' },
    { status: 500, errorCode: 'internal' },
    ...Object.keys(OUTCOME_METRIC).map((code) =>
      code === 'idempotent_replay' ? { status: 201, outcome: 'idempotent_replay' as const } : { status: 400, errorCode: code },
    ),
  ];
  for (const extra of cases) {
    const document = metricsDocument({ service: 's', route: 'GET /x', latencyMs: 3, coldStart: true, ...extra }, 1_700_000_000_000);
    const { _aws: meta, ...root } = document as unknown as MetricLine;
    assert.is(meta.Timestamp, 1_700_000_000_000);
    for (const directive of meta.CloudWatchMetrics) {
      assert.ok(directive.Metrics.length <= 100);
      for (const dimensions of directive.Dimensions) {
        assert.ok(dimensions.length <= 30);
        for (const name of dimensions) assert.type(root[name], 'string', `${name} in ${JSON.stringify(extra)}`);
      }
      for (const metric of directive.Metrics) assert.type(root[metric.Name], 'number', `${metric.Name} in ${JSON.stringify(extra)}`);
    }
  }
});

format('metric names are the ones the infrastructure reads', () => {
  assert.equal(Object.values(METRIC).sort(), ['ColdStart', 'ErrorResponses', 'Latency', 'Requests', 'Status2xx', 'Status4xx', 'Status5xx']);
});

format.run();
