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
];
