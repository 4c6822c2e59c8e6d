/**
 * Policy checks on the synthesized Terraform JSON: least privilege, authorization, durability and
 * observability rules that every change to the stack must keep. Deliberate exceptions live, with their
 * reasons, in policy-exceptions.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { SUPPORTED_RUNTIMES } from '../../infra/config.ts';
import { WILDCARD_EXCEPTIONS } from './policy-exceptions.ts';
import { PROD_ENV, resourcesOf, synthStack } from './support.ts';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

const stacks = {
  dev: synthStack().tf,
  prod: synthStack(PROD_ENV).tf,
};
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
/** `${aws_x.y.arn}` -> `<ref>`: resources compare as patterns. */
const withoutRefs = (text: string) => text.replace(/\$\{[^}]*\}/g, '<ref>');
/** The policy JSON with its Terraform references kept (their inner quotes made single so it parses). */
const parsePolicy = (text: string): Statement[] => JSON.parse(text.replace(/\$\{[^}]*\}/g, (ref) => ref.replace(/"/g, "'"))).Statement;

function policies(tf: unknown): Array<{ name: string; role: string; statements: Statement[] }> {
  return resourcesOf(tf, 'aws_iam_role_policy').map(([name, policy]) => ({
    name,
    role: policy.role,
    statements: parsePolicy(policy.policy),
  }));
}

for (const [stage, tf] of Object.entries(stacks)) {
  test(`${stage}: no policy grants a wildcard action`, () => {
    for (const { name, statements } of policies(tf)) {
      for (const statement of statements) {
        for (const action of asList(statement.Action)) assert.not.match(action, '*', `${name}: ${action}`);
        assert.is(statement.Effect, 'Allow');
      }
    }
  });

  test(`${stage}: every wildcard resource is a documented exception with exactly its actions`, () => {
    const used = new Set<string>();
    for (const { name, statements } of policies(tf)) {
      for (const statement of statements) {
        for (const resource of asList(statement.Resource)) {
          if (!withoutRefs(resource).includes('*')) continue;
          const exception = WILDCARD_EXCEPTIONS.find(
            (candidate) => candidate.sid === statement.Sid && candidate.resource.test(withoutRefs(resource)),
          );
          assert.ok(exception, `${name}: undocumented wildcard resource ${resource} (${statement.Sid})`);
          assert.equal([...asList(statement.Action)].sort(), [...exception.actions].sort(), `${name}: ${statement.Sid} actions`);
          used.add(exception.sid);
        }
      }
    }
    assert.equal([...used].sort(), WILDCARD_EXCEPTIONS.map((exception) => exception.sid).sort(), 'every exception is still needed');
  });

  test(`${stage}: each function's role has exactly its route's DynamoDB actions on exactly its table and index ARNs`, () => {
    const roleOfFunction = new Map(resourcesOf(tf, 'aws_lambda_function').map(([, fn]) => [fn.function_name, fn.role]));
    const all = policies(tf);
    const tableRef = `\${aws_dynamodb_table.${Object.keys((tf as { resource: { aws_dynamodb_table: object } }).resource.aws_dynamodb_table)[0]}.arn}`;
    for (const route of routes) {
      const roleArn = roleOfFunction.get(`task-api-${stage}-${route.handler}`) as string;
      const policy = all.find((candidate) => candidate.role === roleArn.replace(/\.arn\}$/, '.id}'));
      assert.ok(policy, `no policy for ${route.handler}`);
      const raw = policy.statements;
      const dynamo = raw.filter((statement) => asList(statement.Action).some((action) => action.startsWith('dynamodb:')));
      assert.is(dynamo.length, 1, route.handler);
      const [statement] = dynamo as [Statement];
      assert.equal(asList(statement.Action).sort(), [...route.dynamodb.actions].sort(), `${route.handler} actions`);
      const expected = [
        ...(route.dynamodb.onTable ? [tableRef] : []),
        ...route.dynamodb.indexes.map((index) => `${tableRef}/index/${index}`),
      ];
      assert.equal(asList(statement.Resource).sort(), expected.sort(), `${route.handler} resources`);

      const kms = raw.filter((candidate) => asList(candidate.Action).some((action) => action.startsWith('kms:')));
      if (route.paginated) {
        assert.equal(
          kms.map((candidate) => asList(candidate.Action)),
          [['kms:GenerateMac']],
        );
        assert.match(String(kms[0]?.Resource), /^\$\{aws_kms_key\..+\.arn\}$/);
      } else assert.is(kms.length, 0, `${route.handler} must not use the page-token key`);
    }
  });

  test(`${stage}: every non-OPTIONS method requires the Cognito authorizer`, () => {
    for (const [name, method] of resourcesOf(tf, 'aws_api_gateway_method')) {
      if (method.http_method === 'OPTIONS') continue; // preflights are unauthenticated by the CORS spec; they are MOCKs that reach nothing.
      assert.is(method.authorization, 'COGNITO_USER_POOLS', name);
      assert.ok(method.authorizer_id, name);
    }
  });

  test(`${stage}: unauthenticated OPTIONS methods only ever reach a MOCK integration`, () => {
    const methods = Object.fromEntries(resourcesOf(tf, 'aws_api_gateway_method'));
    for (const [name, integration] of resourcesOf(tf, 'aws_api_gateway_integration')) {
      const methodName = /^\$\{aws_api_gateway_method\.([^.]+)\.http_method\}$/.exec(integration.http_method)?.[1] ?? '';
      const method = methods[methodName];
      assert.ok(method, `${name}: integration of an unknown method`);
      assert.is(integration.type, method.http_method === 'OPTIONS' ? 'MOCK' : 'AWS_PROXY', name);
    }
  });

  test(`${stage}: every lambda permission is scoped to one method and resource of the route table`, () => {
    const routeScopes = routes.map((route) => `${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`);
    for (const [name, permission] of resourcesOf(tf, 'aws_lambda_permission')) {
      assert.is(permission.principal, 'apigateway.amazonaws.com', name);
      const scope = /^\$\{aws_api_gateway_rest_api\.[^}]+\.execution_arn\}\/\*\/(.+)$/.exec(permission.source_arn)?.[1];
      assert.ok(scope && routeScopes.includes(scope), `${name}: ${permission.source_arn} is no route's method`);
    }
  });

  test(`${stage}: the table keeps point-in-time recovery and encryption`, () => {
    for (const [name, table] of resourcesOf(tf, 'aws_dynamodb_table')) {
      assert.equal(table.point_in_time_recovery, { enabled: true }, name);
      assert.equal(table.server_side_encryption, { enabled: true }, name);
    }
  });

  test(`${stage}: every log group has a retention`, () => {
    const groups = resourcesOf(tf, 'aws_cloudwatch_log_group');
    assert.ok(groups.length >= routes.length + 2);
    for (const [name, group] of groups) assert.ok(Number(group.retention_in_days) > 0, name);
  });

  test(`${stage}: tracing is on for every function and the stage`, () => {
    for (const [name, fn] of resourcesOf(tf, 'aws_lambda_function')) assert.equal(fn.tracing_config, { mode: 'Active' }, name);
    for (const [name, stageConfig] of resourcesOf(tf, 'aws_api_gateway_stage')) assert.is(stageConfig.xray_tracing_enabled, true, name);
  });

  test(`${stage}: every function runs on a supported Node.js runtime`, () => {
    for (const [name, fn] of resourcesOf(tf, 'aws_lambda_function')) {
      assert.ok((SUPPORTED_RUNTIMES as readonly string[]).includes(fn.runtime), `${name}: ${fn.runtime}`);
      assert.match(fn.runtime, /^nodejs(2[2-9]|[3-9]\d)\.x$/, `${name}: a runtime with AWS support left`);
    }
  });

  test(`${stage}: roles can be assumed only by the service they serve`, () => {
    for (const [name, role] of resourcesOf(tf, 'aws_iam_role')) {
      const trust = JSON.parse(role.assume_role_policy).Statement;
      assert.is(trust.length, 1, name);
      assert.match(trust[0].Principal.Service, /^(lambda|apigateway)\.amazonaws\.com$/, name);
    }
  });
}

test('prod protects its data from deletion; dev can be torn down', () => {
  assert.is(resourcesOf(stacks.prod, 'aws_dynamodb_table')[0]?.[1].deletion_protection_enabled, true);
  assert.is(resourcesOf(stacks.prod, 'aws_cognito_user_pool')[0]?.[1].deletion_protection, 'ACTIVE');
  assert.is(resourcesOf(stacks.dev, 'aws_dynamodb_table')[0]?.[1].deletion_protection_enabled, false);
});

test.run();
