/**
 * The production stack, read top to bottom like the architecture diagram:
 * storage (DynamoDB) and auth (Cognito) -> functions (one Lambda per route) -> api (API Gateway).
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { routes as allRoutes, type RouteDefinition } from '../functions/routes.ts';
import type { InfraConfig } from './config.ts';
import { Api } from './constructs/api.ts';
import { Auth } from './constructs/auth.ts';
import { Functions } from './constructs/functions.ts';
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

export function stackName(config: Pick<InfraConfig, 'prefix'>): string {
  return config.prefix;
}

export class TaskApiStack extends TerraformStack {
  constructor(scope: Construct, id: string, { config, routes = allRoutes }: TaskApiStackOptions) {
    super(scope, id);
    const prod = config.stage === 'prod';

    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { app: config.app, stage: config.stage, 'managed-by': 'cdktf' } }],
      ...(config.offline ? OFFLINE_PROVIDER : {}),
    });

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
    } else {
      // Next to the repo's root (cdktf.out/stacks/<id>/ is the working directory), so `make clean` cannot lose it.
      new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    }

    const storage = new Storage(this, 'storage', { prefix: config.prefix, deletionProtection: prod });
    const auth = new Auth(this, 'auth', { prefix: config.prefix, ...config.auth, deletionProtection: prod });
    const functions = new Functions(this, 'functions', {
      prefix: config.prefix,
      stage: config.stage,
      routes,
      storage,
      distDir: config.distDir,
      ...config.lambda,
      allowedOrigins: config.allowedOrigins,
      logRetentionDays: config.logRetentionDays,
      statusShards: config.statusShards,
    });
    const api = new Api(this, 'api', {
      prefix: config.prefix,
      stage: config.stage,
      region: config.region,
      userPoolArn: auth.userPoolArn,
      functions: functions.byRoute,
      allowedOrigins: config.allowedOrigins,
      logRetentionDays: config.logRetentionDays,
      throttling: config.throttling,
      manageAccount: config.manageApiGatewayAccount,
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
  }
}
