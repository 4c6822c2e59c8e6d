/**
 * Monitoring: the stage's alarms (infra/monitoring/alarms.ts, per function from the route table) to an
 * encrypted SNS topic with an optional e-mail subscription, one saved Logs Insights query per kind of
 * alarm (the query its runbook section quotes), and the stage's dashboard.
 *
 * The topic's key is a customer managed key: CloudWatch cannot publish to a topic encrypted with the
 * AWS managed key (alias/aws/sns), whose policy no one can extend to cloudwatch.amazonaws.com, so an
 * alarm would fire into nothing.
 */
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { CloudwatchQueryDefinition } from '@cdktf/provider-aws/lib/cloudwatch-query-definition/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Construct } from 'constructs';
import { type AlarmKind, type AlarmThresholds, alarmSpecs } from '../monitoring/alarms.ts';
import { dashboardBody } from '../monitoring/dashboard.ts';
import type { RouteFunction } from './functions.ts';
import { accountIdOf, accountRootOf } from './iam.ts';

export interface MonitoringOptions {
  /** `<app>-<stage>`: names start with it; also the functions' metrics' Service dimension. */
  prefix: string;
  region: string;
  api: { name: string; stage: string; accessLogGroupName: string };
  functions: RouteFunction[];
  timeoutSeconds: number;
  table: { name: string; arn: string };
  thresholds: AlarmThresholds;
  /** Who gets the alarms by e-mail (the subscription waits for them to confirm it). */
  alarmEmail?: string;
  /** The regional web ACL in front of the API: adds its blocked-request alarm and dashboard row. */
  webAcl?: { name: string };
}

/** The saved query of one kind of alarm: `<prefix>/runbook/<kind>`, as CloudWatch lists it in folders. */
export function savedQueryName(prefix: string, kind: Pick<AlarmKind, 'id'>): string {
  return `${prefix}/runbook/${kind.id}`;
}

export class Monitoring extends Construct {
  readonly topicArn: string;
  readonly alarmNames: string[] = [];
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, options: MonitoringOptions) {
    super(scope, id);
    const key = new KmsKey(this, 'alarm-topic-key', {
      description: `${options.prefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersKeyAndDelegatesToIam',
            Effect: 'Allow',
            Principal: { AWS: accountRootOf(options.table.arn) },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'CloudWatchAlarmsPublishToTheTopic',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': accountIdOf(options.table.arn) } },
          },
        ],
      }),
    });
    new KmsAlias(this, 'alarm-topic-key-alias', { name: `alias/${options.prefix}-alarms`, targetKeyId: key.keyId });
    const topic = new SnsTopic(this, 'alarm-topic', { name: `${options.prefix}-alarms`, kmsMasterKeyId: key.arn });
    this.topicArn = topic.arn;
    if (options.alarmEmail) {
      new SnsTopicSubscription(this, 'alarm-email', { topicArn: topic.arn, protocol: 'email', endpoint: options.alarmEmail });
    }

    const targets = {
      prefix: options.prefix,
      region: options.region,
      api: { name: options.api.name, stage: options.api.stage },
      functions: options.functions,
      timeoutSeconds: options.timeoutSeconds,
      tableName: options.table.name,
      thresholds: options.thresholds,
      ...(options.webAcl ? { webAcl: options.webAcl } : {}),
    };
    const alarmArns: string[] = [];
    const kinds = new Map<string, AlarmKind>();
    for (const { kind, config } of alarmSpecs(targets)) {
      const alarm = new CloudwatchMetricAlarm(this, `alarm-${config.alarmName.slice(options.prefix.length + 1)}`, {
        ...config,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
      });
      this.alarmNames.push(config.alarmName);
      alarmArns.push(alarm.arn);
      kinds.set(kind.id, kind);
    }

    const logGroups = {
      functions: options.functions.map((fn) => fn.logGroupName),
      access: [options.api.accessLogGroupName],
    };
    for (const kind of kinds.values()) {
      new CloudwatchQueryDefinition(this, `query-${kind.id}`, {
        name: savedQueryName(options.prefix, kind),
        queryString: kind.query,
        logGroupNames: logGroups[kind.logs],
      });
    }

    const dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: options.prefix,
      dashboardBody: JSON.stringify(dashboardBody({ ...targets, service: options.prefix, alarmArns })),
    });
    this.dashboardName = dashboard.dashboardName;
  }
}
