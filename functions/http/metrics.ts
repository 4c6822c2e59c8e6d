/**
 * The functions' metrics, in CloudWatch embedded metric format (EMF): one JSON line per invocation that
 * CloudWatch Logs turns into metrics, with no API call and no agent. The infrastructure's alarms and
 * dashboard read the same names from this module, so a metric cannot be renamed on one side only.
 *
 * Hand-written rather than @aws-lambda-powertools/metrics: with Powertools' logger and metrics the
 * paginated handlers' bundles grew from 287.7 KB to 318.9 KB, over the bundle budget (README, "Metrics,
 * logs and traces"). This is the part of the format the functions need, and nothing more.
 */

/** The CloudWatch namespace of every metric the functions emit. */
export const METRICS_NAMESPACE = 'TaskApi';

/** Dimension names. `Service` is the stack (`<app>-<stage>`), so dev and prod never mix. */
export const DIMENSION = { service: 'Service', route: 'Route', errorCode: 'ErrorCode' } as const;

/**
 * Emitted by every invocation, per [Service, Route]. The status classes are 0 or 1 per request, as API
 * Gateway's 4XXError/5XXError are: their Sum counts responses, their Average is the rate.
 */
export const METRIC = {
  requests: 'Requests',
  status2xx: 'Status2xx',
  status4xx: 'Status4xx',
  status5xx: 'Status5xx',
  latency: 'Latency',
  coldStart: 'ColdStart',
  /** Per [Service, Route, ErrorCode], only when the answer is an error: one per error code (quota_exceeded too). */
  errorResponses: 'ErrorResponses',
} as const;

/**
 * Named outcomes, per [Service, Route], emitted (value 1) only when they happen. Error outcomes are
 * recognised by the error code the edge maps a domain error to; the others come with the reply.
 */
export const OUTCOME_METRIC = {
  validation_failed: 'ValidationFailures',
  precondition_failed: 'PreconditionFailures',
  quota_exceeded: 'QuotaRefusals',
  idempotent_replay: 'IdempotentReplays',
} as const;

/** What a successful reply may report besides its status (the domain decides it; the edge passes it on). */
export type ReplyOutcome = 'idempotent_replay';

export interface Invocation {
  service: string;
  /** `METHOD /path` of the route table. */
  route: string;
  status: number;
  latencyMs: number;
  coldStart: boolean;
  /** The public error code of an error answer (`internal` for a 500). */
  errorCode?: string;
  outcome?: ReplyOutcome;
}

type Unit = 'Count' | 'Milliseconds';
interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: Unit }[];
}

const count = (name: string) => ({ Name: name, Unit: 'Count' as const });

/** The EMF document of one invocation: one object, written as one line. */
export function metricsDocument(invocation: Invocation, now: number = Date.now()): Record<string, unknown> {
  const statusClass = Math.floor(invocation.status / 100);
  const values: Record<string, number> = {
    [METRIC.requests]: 1,
    [METRIC.status2xx]: statusClass === 2 ? 1 : 0,
    [METRIC.status4xx]: statusClass === 4 ? 1 : 0,
    [METRIC.status5xx]: statusClass === 5 ? 1 : 0,
    [METRIC.latency]: invocation.latencyMs,
    [METRIC.coldStart]: invocation.coldStart ? 1 : 0,
  };
  const perRoute = [DIMENSION.service, DIMENSION.route];
  const directives: Directive[] = [
    {
      Namespace: METRICS_NAMESPACE,
      Dimensions: [perRoute],
      Metrics: [
        ...[METRIC.requests, METRIC.status2xx, METRIC.status4xx, METRIC.status5xx, METRIC.coldStart].map(count),
        { Name: METRIC.latency, Unit: 'Milliseconds' },
      ],
    },
  ];
  const outcomeKey = invocation.outcome ?? invocation.errorCode;
  const outcome = outcomeKey && outcomeKey in OUTCOME_METRIC ? OUTCOME_METRIC[outcomeKey as keyof typeof OUTCOME_METRIC] : undefined;
  if (outcome) {
    values[outcome] = 1;
    directives.push({ Namespace: METRICS_NAMESPACE, Dimensions: [perRoute], Metrics: [count(outcome)] });
  }
  if (invocation.errorCode) {
    values[METRIC.errorResponses] = 1;
    directives.push({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [[...perRoute, DIMENSION.errorCode]],
      Metrics: [count(METRIC.errorResponses)],
    });
  }
  return {
    _aws: { Timestamp: now, CloudWatchMetrics: directives },
    [DIMENSION.service]: invocation.service,
    [DIMENSION.route]: invocation.route,
    ...(invocation.errorCode ? { [DIMENSION.errorCode]: invocation.errorCode } : {}),
    ...values,
  };
}
