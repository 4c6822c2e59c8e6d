/**
 * The alarms of a stage and their runbook, in one place: what each alarm watches (metric, dimensions,
 * threshold, how missing data counts) and the Logs Insights query that confirms it. The monitoring
 * construct turns these into CloudWatch alarms and saved queries; docs/runbook.md has one section per
 * kind holding the same query verbatim (a test compares them), so an alarm cannot page without a
 * runbook entry and the runbook cannot drift from what the stack ships.
 *
 * Missing data: most of these metrics exist only while there is traffic (API Gateway, Lambda) or only
 * when something goes wrong (DynamoDB throttles and system errors, WAF blocks), so missing data is "no
 * traffic" or "nothing wrong" and does not breach. Where it means an outage — a busy stage that stops
 * receiving requests — the traffic alarm (ALARM_MIN_REQUESTS_PER_HOUR) treats it as breaching.
 */
import type { CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import type { DynamoDbAction, RouteDefinition } from '../../functions/routes.ts';

/** Thresholds from the configuration (infra/config.ts, ALARM_*). */
export interface AlarmThresholds {
  /** API 5xx responses, percent of requests, per 5 minutes. */
  api5xxPercent: number;
  /** API 4xx responses, percent of requests, sustained for 15 minutes: a broken client release. */
  api4xxPercent: number;
  /** API p99 latency (ms), sustained for 15 minutes. */
  apiP99LatencyMs: number;
  /** A function's longest run, percent of its timeout. */
  lambdaDurationPercent: number;
  /** Requests the web ACL blocked in 5 minutes. */
  wafBlockedRequests: number;
  /** Fewer requests than this in an hour is an outage (0: no such alarm). */
  minRequestsPerHour: number;
}

export interface AlarmTargets {
  /** `<app>-<stage>`: alarm names start with it. */
  prefix: string;
  region: string;
  /** The REST API's name and stage: the dimensions of API Gateway's metrics. */
  api: { name: string; stage: string };
  /** One per route of the route table. */
  functions: ReadonlyArray<{ route: RouteDefinition; functionName: string }>;
  timeoutSeconds: number;
  tableName: string;
  thresholds: AlarmThresholds;
  /** The regional web ACL in front of the API, when there is one. */
  webAcl?: { name: string };
}

/** Which logs a runbook query reads. */
export type LogSource = 'functions' | 'access';

export interface AlarmKind {
  /** The runbook section's anchor and the alarm name's suffix. */
  id: string;
  title: string;
  /** Per function (one alarm each) or one per stage. */
  perFunction: boolean;
  logs: LogSource;
  /** The Logs Insights query that confirms the alarm; saved in the stack and quoted in the runbook. */
  query: string;
}

const query = (...lines: string[]) => lines.join('\n| ');

/** Every kind of alarm the stack can create, in runbook order. */
export const ALARM_KINDS = {
  api5xxRate: {
    id: 'api-5xx-rate',
    title: 'API 5xx rate',
    perFunction: false,
    logs: 'access',
    query: query(
      'fields @timestamp, status, httpMethod, resourcePath, integrationStatus, errorMessage, requestId, xrayTraceId',
      'filter status like /^5/',
      'sort @timestamp desc',
      'limit 100',
    ),
  },
  api4xxRate: {
    id: 'api-4xx-rate',
    title: 'API 4xx rate (a broken client release)',
    perFunction: false,
    logs: 'access',
    query: query(
      'filter status like /^4/',
      'stats count(*) as responses by status, httpMethod, resourcePath, errorMessage',
      'sort responses desc',
    ),
  },
  apiP99Latency: {
    id: 'api-p99-latency',
    title: 'API p99 latency',
    perFunction: false,
    logs: 'functions',
    // The functions' metric lines (numbers only: Latency in ms, ColdStart 0 or 1), per route.
    query: query(
      'filter ispresent(Latency) and ispresent(Route)',
      'stats pct(Latency, 50) as p50_ms, pct(Latency, 99) as p99_ms, max(Latency) as max_ms, sum(ColdStart) as cold_starts, count(*) as requests by Route',
      'sort p99_ms desc',
    ),
  },
  apiTrafficStopped: {
    id: 'api-traffic-stopped',
    title: 'API traffic stopped',
    perFunction: false,
    logs: 'access',
    query: query('stats count(*) as requests, count_distinct(user) as users by bin(15m)'),
  },
  lambdaErrors: {
    id: 'lambda-errors',
    title: 'Lambda errors',
    perFunction: true,
    logs: 'functions',
    query: query(
      'fields @timestamp, @log, @requestId, @message',
      // Lambda's JSON log format: its records say "status":"timeout" and "level":"ERROR"; ours "level":"error".
      'filter @message like /Task timed out|Uncaught Exception|Unhandled Promise Rejection|Runtime\\.\\w+|"status":"(error|timeout)"|"level":"(error|ERROR|FATAL)"/',
      'sort @timestamp desc',
      'limit 100',
    ),
  },
  lambdaThrottles: {
    id: 'lambda-throttles',
    title: 'Lambda throttles',
    perFunction: true,
    logs: 'access',
    query: query(
      'filter integrationStatus = "429" or errorMessage like /(?i)rate exceeded|throttl|too many requests/',
      'stats count(*) as refused by httpMethod, resourcePath, status, integrationStatus, bin(5m)',
    ),
  },
  lambdaDuration: {
    id: 'lambda-duration',
    title: 'Lambda duration near its timeout',
    perFunction: true,
    logs: 'functions',
    query: query(
      'filter @type = "REPORT"',
      'stats max(@duration) as max_ms, pct(@duration, 99) as p99_ms, avg(@duration) as avg_ms, max(@initDuration) as max_init_ms, count(*) as invocations by @log, bin(5m)',
    ),
  },
  dynamodbThrottles: {
    id: 'dynamodb-throttles',
    title: 'DynamoDB throttled requests',
    perFunction: false,
    logs: 'functions',
    query: query(
      'fields @timestamp, route, status, request_id, error.name, error.message, xray_trace_id',
      'filter message = "request" and error.name like /ProvisionedThroughputExceeded|Throttling|RequestLimitExceeded/',
      'sort @timestamp desc',
      'limit 100',
    ),
  },
  dynamodbSystemErrors: {
    id: 'dynamodb-system-errors',
    title: 'DynamoDB system errors',
    perFunction: false,
    logs: 'functions',
    query: query(
      'fields @timestamp, route, status, request_id, error.name, error.message, xray_trace_id',
      'filter message = "request" and error.name like /InternalServerError|ServiceUnavailable|InternalFailure/',
      'sort @timestamp desc',
      'limit 100',
    ),
  },
  wafBlocked: {
    id: 'waf-blocked-requests',
    title: 'WAF blocked-request spike',
    perFunction: false,
    logs: 'access',
    query: query(
      'filter wafResponseCode = "WAF_BLOCK"',
      'stats count(*) as blocked by ip, httpMethod, resourcePath',
      'sort blocked desc',
      'limit 50',
    ),
  },
} as const satisfies Record<string, AlarmKind>;

export type AlarmKindName = keyof typeof ALARM_KINDS;

/** An alarm as the construct declares it: its kind and everything but the actions (the topic). */
export interface AlarmSpec {
  kind: AlarmKind;
  config: Omit<CloudwatchMetricAlarmConfig, 'alarmActions' | 'okActions' | 'insufficientDataActions'>;
}

/** Where an alarm's description sends the reader. */
export const RUNBOOK_PATH = 'docs/runbook.md';

/** Rates need enough requests to mean something: below this many in 5 minutes the rate counts as 0. */
export const MIN_REQUESTS_FOR_RATE = 10;
const FIVE_MINUTES = 300;

/** `dynamodb:GetItem` -> `GetItem`: the Operation dimension of DynamoDB's metrics. */
export function dynamodbOperations(routes: readonly RouteDefinition[]): string[] {
  const actions = new Set<DynamoDbAction>(routes.flatMap((route) => route.dynamodb.actions));
  return [...actions].map((action) => action.replace(/^dynamodb:/, '')).sort();
}

/** Every alarm of the stage, derived from the route table (per function, DynamoDB operations) and the thresholds. */
export function alarmSpecs(targets: AlarmTargets): AlarmSpec[] {
  const { prefix, thresholds } = targets;
  const apiDimensions = { ApiName: targets.api.name, Stage: targets.api.stage };
  const spec = (kind: AlarmKind, name: string, config: Omit<AlarmSpec['config'], 'alarmName' | 'alarmDescription'>): AlarmSpec => ({
    kind,
    config: { alarmName: name, alarmDescription: `${kind.title}. Runbook: ${RUNBOOK_PATH}#${kind.id}`, ...config },
  });

  /** `100 * part / requests` of API Gateway's metrics, 0 below MIN_REQUESTS_FOR_RATE requests. */
  const apiRate = (metricName: '5XXError' | '4XXError', label: string) => [
    {
      id: 'requests',
      metric: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: apiDimensions, period: FIVE_MINUTES, stat: 'Sum' },
      returnData: false,
    },
    {
      id: 'errors',
      metric: { namespace: 'AWS/ApiGateway', metricName, dimensions: apiDimensions, period: FIVE_MINUTES, stat: 'Sum' },
      returnData: false,
    },
    { id: 'rate', expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`, label, returnData: true },
  ];

  const specs: AlarmSpec[] = [
    spec(ALARM_KINDS.api5xxRate, `${prefix}-${ALARM_KINDS.api5xxRate.id}`, {
      metricQuery: apiRate('5XXError', '5xx responses (% of requests)'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: thresholds.api5xxPercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
    }),
    spec(ALARM_KINDS.api4xxRate, `${prefix}-${ALARM_KINDS.api4xxRate.id}`, {
      metricQuery: apiRate('4XXError', '4xx responses (% of requests)'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: thresholds.api4xxPercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
    }),
    spec(ALARM_KINDS.apiP99Latency, `${prefix}-${ALARM_KINDS.apiP99Latency.id}`, {
      namespace: 'AWS/ApiGateway',
      metricName: 'Latency',
      dimensions: apiDimensions,
      extendedStatistic: 'p99',
      period: FIVE_MINUTES,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: thresholds.apiP99LatencyMs,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
    }),
  ];
  if (thresholds.minRequestsPerHour > 0) {
    specs.push(
      spec(ALARM_KINDS.apiTrafficStopped, `${prefix}-${ALARM_KINDS.apiTrafficStopped.id}`, {
        namespace: 'AWS/ApiGateway',
        metricName: 'Count',
        dimensions: apiDimensions,
        statistic: 'Sum',
        period: 3600,
        comparisonOperator: 'LessThanThreshold',
        threshold: thresholds.minRequestsPerHour,
        evaluationPeriods: 1,
        // API Gateway publishes nothing for an hour without requests: that silence is the outage.
        treatMissingData: 'breaching',
      }),
    );
  }

  for (const { route, functionName } of targets.functions) {
    const lambda = { namespace: 'AWS/Lambda', dimensions: { FunctionName: functionName }, period: FIVE_MINUTES };
    specs.push(
      spec(ALARM_KINDS.lambdaErrors, `${prefix}-${route.handler}-${ALARM_KINDS.lambdaErrors.id}`, {
        ...lambda,
        metricName: 'Errors',
        statistic: 'Sum',
        // The handler wrapper answers every error it can catch (a 500 counted by the 5xx alarm): what
        // Lambda counts is a crash, a timeout or a failed init, each worth a look.
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
      }),
      spec(ALARM_KINDS.lambdaThrottles, `${prefix}-${route.handler}-${ALARM_KINDS.lambdaThrottles.id}`, {
        ...lambda,
        metricName: 'Throttles',
        statistic: 'Sum',
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
      }),
      spec(ALARM_KINDS.lambdaDuration, `${prefix}-${route.handler}-${ALARM_KINDS.lambdaDuration.id}`, {
        ...lambda,
        metricName: 'Duration',
        statistic: 'Maximum',
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: Math.round((targets.timeoutSeconds * 1000 * thresholds.lambdaDurationPercent) / 100),
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
      }),
    );
  }

  // DynamoDB reports throttles and system errors per operation: the operations are the route table's.
  const operations = dynamodbOperations(targets.functions.map(({ route }) => route));
  const perOperation = (metricName: string, label: string) => [
    ...operations.map((operation, index) => ({
      id: `m${index}`,
      label: operation,
      metric: {
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensions: { TableName: targets.tableName, Operation: operation },
        period: FIVE_MINUTES,
        stat: 'Sum',
      },
      returnData: false,
    })),
    { id: 'total', expression: `SUM([${operations.map((_, index) => `m${index}`).join(', ')}])`, label, returnData: true },
  ];
  specs.push(
    spec(ALARM_KINDS.dynamodbThrottles, `${prefix}-${ALARM_KINDS.dynamodbThrottles.id}`, {
      metricQuery: perOperation('ThrottledRequests', 'Throttled requests'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
    }),
    spec(ALARM_KINDS.dynamodbSystemErrors, `${prefix}-${ALARM_KINDS.dynamodbSystemErrors.id}`, {
      metricQuery: perOperation('SystemErrors', 'System errors'),
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
    }),
  );

  if (targets.webAcl) {
    specs.push(
      spec(ALARM_KINDS.wafBlocked, `${prefix}-${ALARM_KINDS.wafBlocked.id}`, {
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensions: { WebACL: targets.webAcl.name, Region: targets.region, Rule: 'ALL' },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: thresholds.wafBlockedRequests,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
      }),
    );
  }
  return specs;
}
