/**
 * The production stack, read top to bottom like the architecture diagram:
 * storage (DynamoDB) and auth (Cognito) -> functions (one Lambda per route) -> api (API Gateway) -> firewall
 * (the WAF web ACL on the stage), watched by monitoring (alarms to an SNS topic, saved runbook queries, a
 * dashboard).
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { routes as allRoutes, type RouteDefinition } from '../functions/routes.ts';
import { applyMotoGaps } from '../scripts/rehearsal/moto-gaps.ts';
import { type InfraConfig, PINNED_AWS_PROVIDER_VERSION, versionAtLeast } from './config.ts';
import { Api } from './constructs/api.ts';
import { Auth } from './constructs/auth.ts';
import { Firewall } from './constructs/firewall.ts';
import { Functions } from './constructs/functions.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Storage } from './constructs/storage.ts';

export interface TaskApiStackOptions {
  config: InfraConfig;
  /** Defaults to the route table; tests may pass a subset. */
  routes?: readonly RouteDefinition[];
}

/** Mock credentials and skipped account checks: enough for `terraform plan -refresh=false`, useless for anything else. */
export const OFFLINE_PROVIDER = {
  accessKey: 'mock-access-key',
  secretKey: 'mock-secret-key',
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: 'true',
  skipRegionValidation: true,
};

/**
 * Every AWS service the stack's resources (and the S3 state backend) call. In a rehearsal each one is
 * pointed at the emulator; a service missing here would silently reach real AWS, so the rehearsal's
 * provider also refuses to look up credentials anywhere else.
 */
export const REHEARSAL_SERVICES = [
  'apigateway',
  'cloudwatch',
  'cloudwatchlogs',
  'cognitoidp',
  'dynamodb',
  'iam',
  'kms',
  'lambda',
  's3',
  'sesv2',
  'sns',
  'sts',
  'wafv2',
] as const;

/** Provider settings of a rehearsal: moto's test credentials and every endpoint on the emulator. */
export function rehearsalProvider(endpoint: string) {
  return {
    accessKey: 'testing',
    secretKey: 'testing',
    skipCredentialsValidation: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
    endpoints: [Object.fromEntries(REHEARSAL_SERVICES.map((service) => [service, endpoint]))],
  };
}

export function stackName(config: Pick<InfraConfig, 'prefix'>): string {
  return config.prefix;
}

export class TaskApiStack extends TerraformStack {
  constructor(scope: Construct, id: string, { config, routes = allRoutes }: TaskApiStackOptions) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { app: config.app, stage: config.stage, 'managed-by': 'cdktf' } }],
      ...(config.offline ? OFFLINE_PROVIDER : {}),
      ...(config.rehearsalEndpoint ? rehearsalProvider(config.rehearsalEndpoint) : {}),
    });
    // The bindings are generated for the pinned release; AWS_PROVIDER_VERSION (e.g. 6.19.0 for nodejs24.x)
    // selects a later one from the registry.
    if (config.awsProviderVersion !== PINNED_AWS_PROVIDER_VERSION) {
      this.addOverride('terraform.required_providers.aws.version', config.awsProviderVersion);
    }

    // use_lockfile (S3 state locking) needs Terraform 1.10; say so at init instead of failing on the argument.
    this.addOverride('terraform.required_version', '>= 1.10.0');

    if (config.state) {
      const backend = new S3Backend(this, {
        bucket: config.state.bucket,
        key: config.state.key,
        region: config.state.region,
        encrypt: true,
      });
      // Terraform >= 1.10 locks with a lock file next to the state (no DynamoDB lock table); cdktf 0.21 predates the option.
      backend.addOverride('use_lockfile', true);
      if (config.rehearsalEndpoint) {
        // The state bucket lives in the emulator too: a rehearsal proves the backend without an account.
        for (const [name, value] of Object.entries({
          endpoints: { s3: config.rehearsalEndpoint, sts: config.rehearsalEndpoint, iam: config.rehearsalEndpoint },
          use_path_style: true,
          access_key: 'testing',
          secret_key: 'testing',
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
        })) {
          backend.addOverride(name, value);
        }
      }
    } else {
      // Next to the repo's root (cdktf.out/stacks/<id>/ is the working directory), so `make clean` cannot lose it.
      new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    }

    const storage = new Storage(this, 'storage', { prefix: config.prefix, deletionProtection: config.deletionProtection });
    const auth = new Auth(this, 'auth', { prefix: config.prefix, ...config.auth, deletionProtection: config.deletionProtection });
    const functions = new Functions(this, 'functions', {
      prefix: config.prefix,
      stage: config.stage,
      routes,
      storage,
      distDir: config.distDir,
      ...config.lambda,
      allowedOrigins: config.allowedOrigins,
      logRetentionDays: config.logRetentionDays,
      logLevel: config.logLevel,
      pageTokens: config.pageTokens,
      maxTasksPerUser: config.maxTasksPerUser,
      idTokenIssuer: auth.issuer,
      statusShards: config.statusShards,
    });
    const api = new Api(this, 'api', {
      prefix: config.prefix,
      stage: config.stage,
      userPoolArn: auth.userPoolArn,
      functions: functions.byRoute,
      allowedOrigins: config.allowedOrigins,
      logRetentionDays: config.logRetentionDays,
      throttling: config.throttling,
      manageAccount: config.manageApiGatewayAccount,
      // hashicorp/aws 6 always resets the account setting on delete and no longer takes the argument.
      resetAccountOnDelete: !versionAtLeast(config.awsProviderVersion, '6.0.0'),
    });

    const firewall = new Firewall(this, 'firewall', {
      prefix: config.prefix,
      stageArn: api.stageArn,
      rateLimits: config.rateLimits,
      allowedOrigins: config.allowedOrigins,
      cors: api.cors,
      logRetentionDays: config.logRetentionDays,
    });

    const monitoring = new Monitoring(this, 'monitoring', {
      prefix: config.prefix,
      region: config.region,
      api: { name: api.name, stage: api.stageName, accessLogGroupName: api.accessLogGroupName },
      functions: functions.byRoute,
      timeoutSeconds: config.lambda.timeoutSeconds,
      table: { name: storage.tableName, arn: storage.tableArn },
      thresholds: config.monitoring.thresholds,
      webAcl: { name: firewall.webAclName },
      ...(config.monitoring.alarmEmail ? { alarmEmail: config.monitoring.alarmEmail } : {}),
    });

    new TerraformOutput(this, 'api_url', { value: api.url, description: 'Base URL of the API stage' });
    new TerraformOutput(this, 'user_pool_id', { value: auth.userPoolId });
    new TerraformOutput(this, 'user_pool_client_id', { value: auth.clientId });
    new TerraformOutput(this, 'auth_domain', {
      value: auth.domain,
      description: 'Hosted UI: https://<domain>.auth.<region>.amazoncognito.com',
    });
    new TerraformOutput(this, 'table_name', { value: storage.tableName });
    new TerraformOutput(this, 'region', { value: config.region });
    new TerraformOutput(this, 'web_acl_name', {
      value: firewall.webAclName,
      description: 'CloudWatch: namespace AWS/WAFV2, dimension WebACL',
    });
    new TerraformOutput(this, 'alarm_topic_arn', { value: monitoring.topicArn, description: 'Where the alarms go (SNS)' });
    new TerraformOutput(this, 'dashboard_name', { value: monitoring.dashboardName });

    // Rehearsal mode only (never a deployable stack): leave out what the emulator cannot answer.
    if (config.rehearsalEndpoint) applyMotoGaps(this);
  }
}
