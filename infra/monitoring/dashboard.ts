/**
 * The stage's CloudWatch dashboard, as plain data: the alarms' states; API traffic, errors and latency;
 * per route (from the route table) the functions' own metrics — requests by status class, latency, cold
 * starts and the named outcomes; the functions' duration, errors and throttles; DynamoDB's consumed
 * capacity, throttles and system errors; the web ACL's verdicts when there is one.
 */
import { DIMENSION, METRIC, METRICS_NAMESPACE, OUTCOME_METRIC } from '../../functions/http/metrics.ts';
import { type AlarmTargets, dynamodbOperations } from './alarms.ts';

export interface DashboardTargets extends Omit<AlarmTargets, 'timeoutSeconds' | 'thresholds'> {
  /** The `Service` dimension of the functions' metrics. */
  service: string;
  alarmArns: string[];
}

type MetricLine = Array<string | Record<string, unknown>>;

interface Widget {
  type: 'metric' | 'alarm' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const PERIOD = 300;

/** The dashboard body (CloudWatch's JSON): rows of widgets, 24 columns wide. */
export function dashboardBody(targets: DashboardTargets): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  let y = 0;
  /** One row of equally wide widgets. */
  const row = (height: number, ...cells: Array<Omit<Widget, 'x' | 'y' | 'width' | 'height'>>) => {
    const width = Math.floor(24 / cells.length);
    cells.forEach((cell, index) => {
      widgets.push({ ...cell, x: index * width, y, width, height });
    });
    y += height;
  };
  const graph = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}) => ({
    type: 'metric' as const,
    properties: { title, view: 'timeSeries', region: targets.region, period: PERIOD, stat: 'Sum', metrics, ...extra },
  });
  const api = ['ApiName', targets.api.name, 'Stage', targets.api.stage];
  const ours = (metric: string, route: string, options: Record<string, unknown> = {}): MetricLine => [
    METRICS_NAMESPACE,
    metric,
    DIMENSION.service,
    targets.service,
    DIMENSION.route,
    route,
    { label: metric, ...options },
  ];

  row(2, {
    type: 'text',
    properties: {
      markdown: `# ${targets.prefix}\nAlarms go to the stage's SNS topic; each alarm's description names its runbook section (docs/runbook.md).`,
    },
  });
  row(4, { type: 'alarm', properties: { title: 'Alarms', alarms: targets.alarmArns } });
  row(
    6,
    graph('API: requests and errors', [
      ['AWS/ApiGateway', 'Count', ...api, { label: 'requests' }],
      ['AWS/ApiGateway', '4XXError', ...api, { label: '4xx' }],
      ['AWS/ApiGateway', '5XXError', ...api, { label: '5xx' }],
    ]),
    graph('API: latency', [
      ['AWS/ApiGateway', 'Latency', ...api, { stat: 'p50', label: 'p50' }],
      ['AWS/ApiGateway', 'Latency', ...api, { stat: 'p99', label: 'p99' }],
      ['AWS/ApiGateway', 'IntegrationLatency', ...api, { stat: 'p99', label: 'integration p99' }],
    ]),
  );

  for (const { route } of targets.functions) {
    const key = `${route.method} ${route.path}`;
    row(
      6,
      graph(`${key}: requests by status class`, [ours(METRIC.status2xx, key), ours(METRIC.status4xx, key), ours(METRIC.status5xx, key)]),
      graph(`${key}: latency`, [
        ours(METRIC.latency, key, { stat: 'p50', label: 'p50' }),
        ours(METRIC.latency, key, { stat: 'p99', label: 'p99' }),
      ]),
      graph(`${key}: cold starts and outcomes`, [
        ours(METRIC.coldStart, key),
        ...Object.values(OUTCOME_METRIC).map((metric) => ours(metric, key)),
      ]),
    );
  }

  const lambda = (metricName: string, stat: string) =>
    targets.functions.map(
      ({ route, functionName }): MetricLine => ['AWS/Lambda', metricName, 'FunctionName', functionName, { stat, label: route.handler }],
    );
  row(
    6,
    graph('Functions: duration p99', lambda('Duration', 'p99')),
    graph('Functions: errors and throttles', [...lambda('Errors', 'Sum'), ...lambda('Throttles', 'Sum')]),
  );

  const operations = dynamodbOperations(targets.functions.map(({ route }) => route));
  const table = ['TableName', targets.tableName];
  row(
    6,
    graph('DynamoDB: consumed capacity', [
      ['AWS/DynamoDB', 'ConsumedReadCapacityUnits', ...table, { label: 'read units' }],
      ['AWS/DynamoDB', 'ConsumedWriteCapacityUnits', ...table, { label: 'write units' }],
    ]),
    graph('DynamoDB: throttles and system errors', [
      ...operations.map(
        (operation): MetricLine => [
          'AWS/DynamoDB',
          'ThrottledRequests',
          ...table,
          'Operation',
          operation,
          { label: `throttled ${operation}` },
        ],
      ),
      ...operations.map(
        (operation): MetricLine => [
          'AWS/DynamoDB',
          'SystemErrors',
          ...table,
          'Operation',
          operation,
          { label: `system errors ${operation}` },
        ],
      ),
    ]),
  );

  if (targets.webAcl) {
    const acl = ['WebACL', targets.webAcl.name, 'Region', targets.region, 'Rule', 'ALL'];
    row(
      6,
      graph('WAF: allowed and blocked requests', [
        ['AWS/WAFV2', 'AllowedRequests', ...acl, { label: 'allowed' }],
        ['AWS/WAFV2', 'BlockedRequests', ...acl, { label: 'blocked' }],
      ]),
    );
  }
  return { widgets };
}
