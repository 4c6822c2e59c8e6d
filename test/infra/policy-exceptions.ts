/**
 * Every place the synthesized stack deliberately uses a wildcard, with the reason. The policy checks
 * (policy.test.ts) fail on any wildcard that is not listed here, and on any entry here that no longer
 * matches anything (so the list cannot rot).
 */
export interface WildcardException {
  /** The statement's Sid. */
  sid: string;
  /** The resource, with `${...}` references replaced by `<ref>`. */
  resource: RegExp;
  /** Actions this exception covers (exactly). */
  actions: string[];
  reason: string;
}

export const WILDCARD_EXCEPTIONS: WildcardException[] = [
  {
    sid: 'XRay',
    resource: /^\*$/,
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    reason: 'X-Ray supports no resource-level permissions for these actions; AWS documents Resource "*" (as in AWSXRayDaemonWriteAccess).',
  },
  {
    sid: 'Logs',
    resource: /^<ref>:log-stream:\*$/,
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    reason:
      'Lambda names a new log stream per execution environment; the wildcard is limited to the streams of the function’s own log group.',
  },
  {
    sid: 'ExecutionLogs',
    resource: /^arn:<ref>:logs:<ref>:<ref>:log-group:API-Gateway-Execution-Logs_\*(:log-stream:\*)?$/,
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
    reason:
      'The API Gateway account role serves every REST API of the account and region; API Gateway names the groups API-Gateway-Execution-Logs_<api id>/<stage>. Narrower than the managed policy (logs:* on *).',
  },
  {
    sid: 'AccessLogs',
    resource: /^arn:<ref>:logs:<ref>:<ref>:log-group:\/aws\/apigateway\/\*(:log-stream:\*)?$/,
    actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
    reason:
      'API Gateway writes every stage’s access logs with the one account role; the wildcard is limited to the /aws/apigateway/ groups stages log to.',
  },
  {
    sid: 'ListLogGroups',
    resource: /^arn:<ref>:logs:<ref>:<ref>:log-group:\*$/,
    actions: ['logs:DescribeLogGroups'],
    reason: 'DescribeLogGroups is a list call: it is authorized on the account’s log groups, not on one group.',
  },
];
