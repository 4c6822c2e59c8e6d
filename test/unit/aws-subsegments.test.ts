/**
 * Each DynamoDB and KMS call is an X-Ray subsegment: real SDK clients (a canned HTTP answer instead of
 * the network) with the middleware, and a UDP socket on loopback standing in for the X-Ray daemon.
 */
import '../support/env.ts';
import { createSocket, type Socket } from 'node:dgram';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DAEMON_HEADER, daemonAddress, sampledTrace, traceAwsCalls } from '../../functions/tracing/aws-subsegments.ts';

const TRACE = { root: '1-5759e988-bd862e3fe1be46a994272793', parent: '53995c3f42cd8ad8' };
const SAMPLED = `Root=${TRACE.root};Parent=${TRACE.parent};Sampled=1;Lineage=a87bd80c:0`;

interface Canned {
  status: number;
  body: unknown;
}

/** An SDK request handler that answers from a list instead of the network. */
function cannedHandler(answers: Canned[]) {
  return {
    handle: async () => {
      const answer = answers.length > 1 ? (answers.shift() as Canned) : (answers[0] as Canned);
      return {
        response: {
          statusCode: answer.status,
          headers: { 'x-amzn-requestid': `req-${answer.status}`, 'content-type': 'application/x-amz-json-1.0' },
          body: Buffer.from(JSON.stringify(answer.body)),
        },
      };
    },
  };
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let daemon: Socket;
let received: Array<(datagram: string) => void> = [];
let env: NodeJS.ProcessEnv = {};

/** The next datagram the fake daemon receives (failing, not hanging, when none comes). */
const nextDatagram = () =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram reached the fake X-Ray daemon')), 5000);
    received.push((datagram) => {
      clearTimeout(timer);
      resolve(datagram);
    });
  });

function parse(datagram: string) {
  const [header, body] = datagram.split('\n');
  assert.is(header, DAEMON_HEADER);
  // biome-ignore lint/suspicious/noExplicitAny: a subsegment document, inspected freely
  return JSON.parse(body as string) as any;
}

function dynamodb(answers: Canned[], maxAttempts = 1) {
  return traceAwsCalls(new DynamoDBClient({ region: 'eu-west-1', credentials, maxAttempts, requestHandler: cannedHandler(answers) }), env);
}

const calls = suite('an AWS SDK call is a subsegment of the function’s segment');
calls.before(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => received.shift()?.(message.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', () => resolve()));
  env = { _X_AMZN_TRACE_ID: SAMPLED, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`, AWS_REGION: 'eu-west-1' };
});
calls.after(() => {
  daemon.close();
});
calls.before.each(() => {
  received = [];
});

calls('a DynamoDB GetItem: service, operation, table, request id, status, under the function segment', async () => {
  const datagram = nextDatagram();

  await dynamodb([{ status: 200, body: { Item: { PK: { S: 'x' } } } }]).send(
    new GetItemCommand({ TableName: 'tasks-test', Key: { PK: { S: 'x' } } }),
  );

  const segment = parse(await datagram);
  assert.is(segment.type, 'subsegment');
  assert.is(segment.trace_id, TRACE.root);
  assert.is(segment.parent_id, TRACE.parent);
  assert.match(segment.id, /^[0-9a-f]{16}$/);
  assert.is(segment.name, 'DynamoDB');
  assert.is(segment.namespace, 'aws');
  assert.equal(segment.aws, { operation: 'GetItem', region: 'eu-west-1', request_id: 'req-200', retries: 0, table_name: 'tasks-test' });
  assert.equal(segment.http, { response: { status: 200 } });
  assert.ok(segment.end_time >= segment.start_time && segment.start_time > 1_600_000_000);
  assert.not.ok('error' in segment || 'fault' in segment || 'throttle' in segment);
});

calls('a failed condition is an error (the caller’s), with its exception, and still throws', async () => {
  const datagram = nextDatagram();
  const client = dynamodb([
    {
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' },
    },
  ]);

  await client.send(new PutItemCommand({ TableName: 'tasks-test', Item: { PK: { S: 'x' } } })).then(
    () => assert.unreachable('the error must reach the caller'),
    (error: Error) => assert.is(error.name, 'ConditionalCheckFailedException'),
  );

  const segment = parse(await datagram);
  assert.is(segment.error, true);
  assert.not.ok('fault' in segment || 'throttle' in segment);
  assert.is(segment.aws.operation, 'PutItem');
  assert.is(segment.cause.exceptions[0].type, 'ConditionalCheckFailedException');
  assert.is(segment.cause.exceptions[0].remote, true);
});

calls('a throttled call is marked throttle; a 500 is a fault', async () => {
  const throttled = nextDatagram();
  await dynamodb([
    { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
  ])
    .send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } }))
    .catch(() => undefined);
  const throttle = parse(await throttled);
  assert.is(throttle.throttle, true);
  assert.is(throttle.error, true);

  const failed = nextDatagram();
  await dynamodb([{ status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' } }])
    .send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } }))
    .catch(() => undefined);
  const fault = parse(await failed);
  assert.is(fault.fault, true);
  assert.not.ok('error' in fault);
});

calls('one subsegment spans the retries of one call', async () => {
  const datagram = nextDatagram();

  await dynamodb(
    [
      { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' } },
      { status: 200, body: {} },
    ],
    2,
  ).send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } }));

  const segment = parse(await datagram);
  assert.is(segment.aws.retries, 1);
  assert.not.ok('fault' in segment);
});

calls('a KMS GenerateMac is a KMS subsegment', async () => {
  const datagram = nextDatagram();
  const kms = traceAwsCalls(
    new KMSClient({
      region: 'eu-west-1',
      credentials,
      requestHandler: cannedHandler([{ status: 200, body: { Mac: 'AAAA', MacAlgorithm: 'HMAC_SHA_256', KeyId: 'k' } }]),
    }),
    env,
  );

  // What kms.send does, without send itself: page-token.test.ts mocks KMSClient's send in this process.
  const command = new GenerateMacCommand({ KeyId: 'k', MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from('m') });
  await command.resolveMiddleware(kms.middlewareStack, kms.config, undefined)({ input: command.input });

  const segment = parse(await datagram);
  assert.is(segment.name, 'KMS');
  assert.is(segment.aws.operation, 'GenerateMac');
  assert.not.ok('table_name' in segment.aws);
});

calls('an unsampled invocation sends nothing: the next datagram is the next sampled call’s', async () => {
  const datagram = nextDatagram();
  const unsampled = { ...env, _X_AMZN_TRACE_ID: `Root=${TRACE.root};Parent=${TRACE.parent};Sampled=0` };
  const client = traceAwsCalls(
    new DynamoDBClient({ region: 'eu-west-1', credentials, maxAttempts: 1, requestHandler: cannedHandler([{ status: 200, body: {} }]) }),
    unsampled,
  );
  await client.send(new GetItemCommand({ TableName: 'unsampled', Key: { PK: { S: 'x' } } }));

  await dynamodb([{ status: 200, body: {} }]).send(new GetItemCommand({ TableName: 'sampled', Key: { PK: { S: 'x' } } }));

  assert.is(parse(await datagram).aws.table_name, 'sampled');
});

calls.run();

// ---------------------------------------------------------------------------------------------------
const parsing = suite('the trace header and the daemon address');

parsing('only a sampled header with Root and Parent is traced', () => {
  assert.equal(sampledTrace(SAMPLED), { traceId: TRACE.root, parentId: TRACE.parent });
  assert.is(sampledTrace(`Root=${TRACE.root};Parent=${TRACE.parent};Sampled=0`), undefined);
  assert.is(sampledTrace(`Root=${TRACE.root};Sampled=1`), undefined);
  assert.is(sampledTrace(undefined), undefined);
});

parsing('the daemon address: host:port, the tcp/udp pair Lambda may set, or the default', () => {
  assert.equal(daemonAddress('169.254.79.129:2000'), { address: '169.254.79.129', port: 2000 });
  assert.equal(daemonAddress('tcp:127.0.0.1:2000 udp:127.0.0.2:2001'), { address: '127.0.0.2', port: 2001 });
  assert.equal(daemonAddress(undefined), { address: '127.0.0.1', port: 2000 });
});

parsing.run();
