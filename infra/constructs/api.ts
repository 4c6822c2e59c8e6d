/**
 * Api: the regional REST API derived from the route table. Every route method sits behind the Cognito
 * authorizer and proxies to its function; every resource answers CORS preflights itself (MOCK, no auth);
 * gateway-generated errors carry CORS headers and the API's error envelope. A deployment is re-created
 * (before the old one goes) whenever the definition changes, and one stage serves it with JSON access
 * logs, X-Ray and throttling.
 */
import { createHash } from 'node:crypto';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account/index.js';
import { ApiGatewayAuthorizer } from '@cdktf/provider-aws/lib/api-gateway-authorizer/index.js';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment/index.js';
import { ApiGatewayGatewayResponse } from '@cdktf/provider-aws/lib/api-gateway-gateway-response/index.js';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration/index.js';
import { ApiGatewayIntegrationResponse } from '@cdktf/provider-aws/lib/api-gateway-integration-response/index.js';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method/index.js';
import { ApiGatewayMethodResponse } from '@cdktf/provider-aws/lib/api-gateway-method-response/index.js';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings/index.js';
import { ApiGatewayRequestValidator } from '@cdktf/provider-aws/lib/api-gateway-request-validator/index.js';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource/index.js';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api/index.js';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import * as z from 'zod/mini';
import { type CorsPolicy, corsPolicyOf } from '../../functions/contract/cors-policy.ts';
import { gatewayPreflightHeaders, gatewayResponseHeaders, singleAllowedOrigin } from '../../functions/http/cors.ts';
import type { RouteDefinition } from '../../functions/routes.ts';
import type { RouteFunction } from './functions.ts';
import { assumeRolePolicy, partitionOf } from './iam.ts';

export interface ApiOptions {
  prefix: string;
  stage: string;
  userPoolArn: string;
  functions: RouteFunction[];
  allowedOrigins: string[];
  logRetentionDays: number;
  throttling: { rateLimit: number; burstLimit: number };
  /** Declare the account-wide CloudWatch role API Gateway logs with (one per account and region). */
  manageAccount: boolean;
  /** Clear the account setting when this stack is destroyed (hashicorp/aws < 6; 6.x always does). */
  resetAccountOnDelete: boolean;
}

export const AUTHORIZER_IDENTITY_SOURCE = 'method.request.header.Authorization';

/** Gateway-generated errors, in the API's own error envelope. */
export const GATEWAY_RESPONSES = ['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED', 'WAF_FILTERED'] as const;

/**
 * Errors the gateway answers itself (no token, throttled, …) keep API Gateway's own body,
 * `{"message": "..."}`, which local mode's emulator answers too; the functions' errors use the envelope.
 */
export const GATEWAY_RESPONSE_TEMPLATE = '{"message":$context.error.messageString}';

/** The AWS managed policy API Gateway documents for its account-level CloudWatch role. */
export const APIGATEWAY_CLOUDWATCH_POLICY = 'AmazonAPIGatewayPushToCloudWatchLogs';

/** Where stages' access logs go (a name prefix AWS uses for API Gateway's own groups too). */
export const ACCESS_LOG_GROUP_PREFIX = '/aws/apigateway/';

/** One JSON object per request in the access log. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integration.latency',
  integrationStatus: '$context.integration.status',
  errorMessage: '$context.error.message',
  user: '$context.authorizer.claims.sub',
  xrayTraceId: '$context.xrayTraceId',
  // WAF_ALLOW / WAF_BLOCK once a web ACL guards the stage (the runbook's WAF query reads it).
  wafResponseCode: '$context.wafResponseCode',
});

/** Every resource path the routes need, parents first: `/tasks/{taskId}` also needs `/tasks`. */
export function resourcePaths(routes: readonly RouteDefinition[]): string[] {
  const paths = new Set<string>();
  for (const { path } of routes) {
    const parts = path.split('/').filter(Boolean);
    for (let depth = 1; depth <= parts.length; depth++) paths.add(`/${parts.slice(0, depth).join('/')}`);
  }
  return [...paths].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** `GET /tasks/{taskId}` -> `<execution arn>/*\/GET/tasks/*`: the only calls the function accepts. */
export function methodSourceArn(executionArn: string, route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${executionArn}/*/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}

function objectKeys(schema: z.core.$ZodType | undefined): Array<{ name: string; required: boolean }> {
  const shape = (schema as { shape?: Record<string, z.core.$ZodType> } | undefined)?.shape;
  if (!shape) return [];
  return Object.entries(shape).map(([name, field]) => ({ name, required: !z.safeParse(field, undefined).success }));
}

/** The method request parameters API Gateway validates (presence only; the function validates values). */
export function requestParameters(route: RouteDefinition): Record<string, boolean> {
  const parameters: Record<string, boolean> = {};
  for (const { name } of objectKeys(route.request.params)) parameters[`method.request.path.${name}`] = true;
  for (const { name, required } of objectKeys(route.request.query)) parameters[`method.request.querystring.${name}`] = required;
  for (const { name, required } of objectKeys(route.request.headers)) parameters[`method.request.header.${name}`] = required;
  return parameters;
}

const quote = (value: string) => `'${value}'`;

/**
 * CORS for configured origins. `*` or a single origin is a static header. Several origins: the preflight
 * echoes the request's Origin only when it is listed (a mapping template). Gateway responses cannot run
 * templates on headers, and echoing any Origin would allow every site, so with several origins they carry
 * no Access-Control-Allow-Origin: a browser then sees a failed request instead of the gateway's message.
 */
export function corsPlan(allowedOrigins: string[], policy: CorsPolicy) {
  const single = singleAllowedOrigin(allowedOrigins);
  const preflightTemplate =
    single === undefined
      ? [
          `#set($origin = $input.params().header.get('Origin'))`,
          `#if("$!origin" == "")#set($origin = $input.params().header.get('origin'))#end`,
          `#if(${allowedOrigins.map((origin) => `"$!origin" == "${origin}"`).join(' || ')})`,
          `#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)`,
          '#end',
        ].join('\n')
      : '';
  return {
    /** Static preflight headers; with several origins the template adds Access-Control-Allow-Origin. */
    preflightHeaders: quoteAll(gatewayPreflightHeaders(undefined, allowedOrigins, policy)),
    preflightTemplate,
    gatewayResponseHeaders: quoteAll(gatewayResponseHeaders(allowedOrigins, policy)),
  };
}

const quoteAll = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, quote(value)]));

export class Api extends Construct {
  readonly restApiId: string;
  /** The REST API's name: with the stage name, the dimensions of API Gateway's metrics. */
  readonly name: string;
  readonly url: string;
  readonly executionArn: string;
  readonly stageName: string;
  readonly accessLogGroupName: string;
  /** The stage's ARN, for the web ACL association. */
  readonly stageArn: string;
  /** What browsers may send, from the routes served: the web ACL's own answers carry the same CORS headers. */
  readonly cors: CorsPolicy;

  constructor(scope: Construct, id: string, options: ApiOptions) {
    super(scope, id);
    const routes = options.functions.map(({ route }) => route);
    this.cors = corsPolicyOf(routes);
    const cors = corsPlan(options.allowedOrigins, this.cors);
    /** Everything the deployment serves, as plain data: its hash triggers a redeployment. */
    const definition: unknown[] = [
      { cors, origins: options.allowedOrigins, headers: this.cors.allowHeaders, methods: this.cors.allowMethods },
    ];
    const deployed: ITerraformDependable[] = [];

    const api = new ApiGatewayRestApi(this, 'rest-api', {
      name: `${options.prefix}-api`,
      description: 'Task API',
      endpointConfiguration: { types: ['REGIONAL'] },
      // A replaced API (say, another endpoint type) exists before the old one goes: names need not be unique.
      lifecycle: { createBeforeDestroy: true },
    });
    this.restApiId = api.id;
    this.name = api.name;
    this.executionArn = api.executionArn;

    const authorizer = new ApiGatewayAuthorizer(this, 'authorizer', {
      name: `${options.prefix}-cognito`,
      restApiId: api.id,
      type: 'COGNITO_USER_POOLS',
      providerArns: [options.userPoolArn],
      identitySource: AUTHORIZER_IDENTITY_SOURCE,
    });
    const validator = new ApiGatewayRequestValidator(this, 'validator', {
      name: `${options.prefix}-parameters`,
      restApiId: api.id,
      validateRequestParameters: true,
      // Bodies are validated by the function's schema, which answers in the API's error envelope.
      validateRequestBody: false,
    });
    definition.push({ authorizer: { type: 'COGNITO_USER_POOLS', identitySource: AUTHORIZER_IDENTITY_SOURCE }, validator: 'parameters' });
    /**
     * What the deployment serves that is only known at apply time: a replaced user pool or function
     * changes the authorizer or an integration in place, and a stage keeps serving its old snapshot
     * until it is redeployed.
     */
    const appliedParts: string[] = [options.userPoolArn, authorizer.id, validator.id];

    // Resources, parents first.
    const resourceIds = new Map<string, string>([['/', api.rootResourceId]]);
    for (const path of resourcePaths(routes)) {
      const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
      const parentId = resourceIds.get(parentPath);
      if (!parentId) throw new Error(`No parent resource for ${path}`);
      const resource = new ApiGatewayResource(this, `resource${slug(path)}`, {
        restApiId: api.id,
        parentId,
        pathPart: path.slice(path.lastIndexOf('/') + 1),
      });
      resourceIds.set(path, resource.id);
      deployed.push(resource);
      deployed.push(...this.preflight(api.id, resource.id, path, cors, validator.id));
      definition.push({ resource: path });
    }

    // Route methods: authorized, validated, proxied to the route's function, which only this method may invoke.
    for (const { route, functionName, invokeArn } of options.functions) {
      const resourceId = resourceIds.get(route.path);
      if (!resourceId) throw new Error(`No resource for ${route.path}`);
      const parameters = requestParameters(route);
      const method = new ApiGatewayMethod(this, `${route.handler}-method`, {
        restApiId: api.id,
        resourceId,
        httpMethod: route.method,
        operationName: route.operationId,
        authorization: 'COGNITO_USER_POOLS',
        authorizerId: authorizer.id,
        requestValidatorId: validator.id,
        requestParameters: parameters,
      });
      const integration = new ApiGatewayIntegration(this, `${route.handler}-integration`, {
        restApiId: api.id,
        resourceId,
        httpMethod: method.httpMethod,
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: invokeArn,
      });
      new LambdaPermission(this, `${route.handler}-permission`, {
        statementId: 'AllowApiGatewayInvoke',
        action: 'lambda:InvokeFunction',
        functionName,
        principal: 'apigateway.amazonaws.com',
        sourceArn: methodSourceArn(api.executionArn, route),
      });
      deployed.push(method, integration);
      appliedParts.push(integration.uri);
      definition.push({ route: route.operationId, method: route.method, path: route.path, parameters, functionName: route.handler });
    }

    for (const type of GATEWAY_RESPONSES) {
      const responseParameters = Object.fromEntries(
        Object.entries(cors.gatewayResponseHeaders).map(([name, value]) => [`gatewayresponse.header.${name}`, value]),
      );
      const responseTemplates = { 'application/json': GATEWAY_RESPONSE_TEMPLATE };
      deployed.push(
        new ApiGatewayGatewayResponse(this, `gateway-response-${type.toLowerCase()}`, {
          restApiId: api.id,
          responseType: type,
          responseParameters,
          responseTemplates,
        }),
      );
      definition.push({ type, responseParameters, responseTemplates });
    }

    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: api.id,
      description: `${options.prefix}: managed by cdktf`,
      triggers: {
        redeployment: Fn.sha1(Fn.jsonencode([createHash('sha256').update(JSON.stringify(definition)).digest('hex'), ...appliedParts])),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: deployed,
    });

    // Logging: the account-level role API Gateway writes execution logs with, the access log group and the
    // execution log group (declared so it gets a retention instead of the default "never expire").
    const accountSetup: ITerraformDependable[] = [];
    if (options.manageAccount) accountSetup.push(this.accountLoggingRole(options.prefix, options.resetAccountOnDelete));
    const accessLogs = new CloudwatchLogGroup(this, 'access-logs', {
      name: `${ACCESS_LOG_GROUP_PREFIX}${options.prefix}-access`,
      retentionInDays: options.logRetentionDays,
    });
    const executionLogs = new CloudwatchLogGroup(this, 'execution-logs', {
      name: `API-Gateway-Execution-Logs_${api.id}/${options.stage}`,
      retentionInDays: options.logRetentionDays,
    });

    const stage = new ApiGatewayStage(this, 'stage', {
      restApiId: api.id,
      stageName: options.stage,
      deploymentId: deployment.id,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: [...accountSetup, executionLogs],
    });
    new ApiGatewayMethodSettings(this, 'method-settings', {
      restApiId: api.id,
      stageName: stage.stageName,
      methodPath: '*/*',
      settings: {
        metricsEnabled: true,
        loggingLevel: 'ERROR',
        // Data trace would log full requests (tokens, bodies): never.
        dataTraceEnabled: false,
        throttlingRateLimit: options.throttling.rateLimit,
        throttlingBurstLimit: options.throttling.burstLimit,
      },
    });

    this.url = stage.invokeUrl;
    this.stageName = stage.stageName;
    this.accessLogGroupName = accessLogs.name;
    this.stageArn = stage.arn;
  }

  /** OPTIONS on one resource: answered by API Gateway itself (MOCK), without authorization. */
  private preflight(
    restApiId: string,
    resourceId: string,
    path: string,
    cors: ReturnType<typeof corsPlan>,
    requestValidatorId: string,
  ): ITerraformDependable[] {
    const id = `preflight${slug(path)}`;
    const headers = cors.preflightHeaders;
    const declared = Object.fromEntries(
      [...Object.keys(headers), 'Access-Control-Allow-Origin'].map((name) => [`method.response.header.${name}`, true]),
    );

    // The validator checks declared parameters (a preflight declares none): every method is validated.
    const method = new ApiGatewayMethod(this, `${id}-method`, {
      restApiId,
      resourceId,
      httpMethod: 'OPTIONS',
      authorization: 'NONE',
      requestValidatorId,
    });
    const integration = new ApiGatewayIntegration(this, `${id}-integration`, {
      restApiId,
      resourceId,
      httpMethod: method.httpMethod,
      type: 'MOCK',
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
    });
    const methodResponse = new ApiGatewayMethodResponse(this, `${id}-method-response`, {
      restApiId,
      resourceId,
      httpMethod: method.httpMethod,
      statusCode: '200',
      responseParameters: declared,
    });
    const integrationResponse = new ApiGatewayIntegrationResponse(this, `${id}-integration-response`, {
      restApiId,
      resourceId,
      httpMethod: method.httpMethod,
      statusCode: methodResponse.statusCode,
      responseParameters: Object.fromEntries(Object.entries(headers).map(([name, value]) => [`method.response.header.${name}`, value])),
      responseTemplates: { 'application/json': cors.preflightTemplate },
      dependsOn: [integration],
    });
    return [method, integration, methodResponse, integrationResponse];
  }

  /**
   * The account-wide (per region) role API Gateway writes execution and access logs with. Setting it makes
   * API Gateway test the role by creating `/aws/apigateway/welcome` and writing to it, so a role scoped to
   * this stack's groups is refused ("The role ARN does not have required permissions"): it carries the
   * policy AWS documents for it, AmazonAPIGatewayPushToCloudWatchLogs. Only one stack per account and
   * region may own it (APIGW_MANAGE_ACCOUNT); destroying the owner clears the setting instead of leaving
   * it pointing at a deleted role.
   */
  private accountLoggingRole(prefix: string, resetOnDelete: boolean): ApiGatewayAccount {
    const role = new IamRole(this, 'cloudwatch-role', {
      name: `${prefix}-apigateway-cloudwatch`,
      description: 'API Gateway account setting: writes execution and access logs to CloudWatch',
      assumeRolePolicy: assumeRolePolicy('apigateway.amazonaws.com'),
    });
    const attachment = new IamRolePolicyAttachment(this, 'cloudwatch-policy', {
      role: role.name,
      policyArn: `arn:${partitionOf(role.arn)}:iam::aws:policy/service-role/${APIGATEWAY_CLOUDWATCH_POLICY}`,
    });
    return new ApiGatewayAccount(this, 'account', {
      cloudwatchRoleArn: role.arn,
      ...(resetOnDelete ? { resetOnDelete: true } : {}),
      dependsOn: [attachment],
    });
  }
}

/** `/tasks/{taskId}` -> `-tasks-taskid`: a stable construct id per path. */
function slug(path: string): string {
  return path.replace(/[{}]/g, '').replace(/\//g, '-').toLowerCase();
}
