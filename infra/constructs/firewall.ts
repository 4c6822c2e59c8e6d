/**
 * Firewall: the WAFv2 web ACL in front of the API stage. One client must not be able to spend the whole
 * stage budget (its throttling is one bucket shared by everyone) or fill the table:
 *  - a rate-based rule per source IP, and one per caller (aggregated on the Authorization header), both
 *    answering 429 {"message":"Too Many Requests"} with Retry-After, as API Gateway's own throttling does;
 *  - AWS managed rule groups: known bad inputs and the common rule set. Their blocks reach the client
 *    through API Gateway's WAF_FILTERED gateway response: 403 {"message":"Forbidden"}.
 * Every rule and the ACL publish CloudWatch metrics and sampled requests under the names in
 * `metricNames`, for alarms, and the ACL logs its verdicts to CloudWatch Logs (`aws-waf-logs-<prefix>`,
 * the name WAF requires) with the Authorization header redacted. Local mode applies the per-caller rule
 * too (local/gateway/limits.ts).
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Wafv2WebAcl, type Wafv2WebAclRule } from '@cdktf/provider-aws/lib/wafv2-web-acl/index.js';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association/index.js';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration/index.js';
import { Construct } from 'constructs';
import type { CorsPolicy } from '../../functions/contract/cors-policy.ts';
import { gatewayResponseHeaders } from '../../functions/http/cors.ts';
import type { RateLimits } from '../config.ts';

export interface FirewallOptions {
  prefix: string;
  /** The API stage the web ACL protects. */
  stageArn: string;
  rateLimits: RateLimits;
  /** For the CORS headers of the ACL's own 429 answers (the gateway's responses carry the same). */
  allowedOrigins: string[];
  /** The API's CORS policy: the rate block's answer carries the same headers as the gateway's own. */
  cors: CorsPolicy;
  logRetentionDays: number;
}

export const TOO_MANY_REQUESTS_BODY_KEY = 'too-many-requests';
export const TOO_MANY_REQUESTS_BODY = JSON.stringify({ message: 'Too Many Requests' });
/** The header a caller is counted by: the raw ID token, as the authorizer takes it. */
export const CALLER_KEY_HEADER = 'authorization';

/**
 * AWS managed rule groups, in evaluation order. The common rule set's body size rule blocks bodies over
 * 8 KB; the API takes up to 16 KiB (a 2000-character description may be 8 KB of UTF-8) and refuses more
 * itself with its own 413, so that one rule only counts.
 */
export const MANAGED_RULE_GROUPS = [
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', countOnly: [] as string[] },
  { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY'] },
];

export class Firewall extends Construct {
  readonly webAclArn: string;
  readonly webAclName: string;
  /** Where the ACL logs each request it evaluates (Authorization redacted). */
  readonly logGroupName: string;
  /** CloudWatch metric names (namespace AWS/WAFV2, dimension WebACL = webAclName, Rule = the rule's metric name). */
  readonly metricNames: { webAcl: string; perIpRate: string; perCallerRate: string; managed: Record<string, string> };

  constructor(scope: Construct, id: string, options: FirewallOptions) {
    super(scope, id);
    const { prefix, rateLimits } = options;
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const metric = (rule: string) => `${prefix}-${rule}`;

    const tooManyRequests = {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: TOO_MANY_REQUESTS_BODY_KEY,
          // A key stays blocked while its rate is over the limit, which the window measures.
          responseHeader: Object.entries({
            ...gatewayResponseHeaders(options.allowedOrigins, options.cors),
            'Retry-After': String(rateLimits.windowSeconds),
          }).map(([name, value]) => ({ name, value })),
        },
      },
    };
    const rateRule = (name: string, priority: number, statement: Record<string, unknown>): Wafv2WebAclRule => ({
      name,
      priority,
      action: tooManyRequests,
      statement: { rate_based_statement: { evaluation_window_sec: rateLimits.windowSeconds, ...statement } },
      visibilityConfig: visibility(metric(name)),
    });
    const rules: Wafv2WebAclRule[] = [
      rateRule('per-ip-rate', 0, { limit: rateLimits.perIp, aggregate_key_type: 'IP' }),
      rateRule('per-caller-rate', 1, {
        limit: rateLimits.perCaller,
        aggregate_key_type: 'CUSTOM_KEYS',
        custom_key: [{ header: { name: CALLER_KEY_HEADER, text_transformation: [{ priority: 0, type: 'NONE' }] } }],
      }),
      ...MANAGED_RULE_GROUPS.map(
        (group, index): Wafv2WebAclRule => ({
          name: group.name,
          priority: 10 + index,
          overrideAction: { none: {} },
          statement: {
            managed_rule_group_statement: {
              vendor_name: 'AWS',
              name: group.name,
              ...(group.countOnly.length > 0
                ? { rule_action_override: group.countOnly.map((rule) => ({ name: rule, action_to_use: { count: {} } })) }
                : {}),
            },
          },
          visibilityConfig: visibility(metric(group.name)),
        }),
      ),
    ];

    const webAclName = `${prefix}-api`;
    const acl = new Wafv2WebAcl(this, 'web-acl', {
      name: webAclName,
      description: `${prefix}: rate limits per IP and per caller, AWS managed rules`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      customResponseBody: [{ key: TOO_MANY_REQUESTS_BODY_KEY, content: TOO_MANY_REQUESTS_BODY, contentType: 'APPLICATION_JSON' }],
      rule: rules,
      visibilityConfig: visibility(metric('web-acl')),
    });
    new Wafv2WebAclAssociation(this, 'stage-association', { resourceArn: options.stageArn, webAclArn: acl.arn });

    // WAF names its CloudWatch destinations itself: aws-waf-logs-*. Tokens never reach the log.
    const logs = new CloudwatchLogGroup(this, 'logs', { name: `aws-waf-logs-${prefix}`, retentionInDays: options.logRetentionDays });
    new Wafv2WebAclLoggingConfiguration(this, 'logging', {
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.arn],
      redactedFields: [{ singleHeader: { name: CALLER_KEY_HEADER } }],
    });
    this.logGroupName = logs.name;

    this.webAclArn = acl.arn;
    this.webAclName = webAclName;
    this.metricNames = {
      webAcl: metric('web-acl'),
      perIpRate: metric('per-ip-rate'),
      perCallerRate: metric('per-caller-rate'),
      managed: Object.fromEntries(MANAGED_RULE_GROUPS.map((group) => [group.name, metric(group.name)])),
    };
  }
}
