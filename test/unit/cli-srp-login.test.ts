/**
 * The CLI signs in to a deployed stage with SRP: InitiateAuth(USER_SRP_AUTH) with SRP_A, then the
 * PASSWORD_VERIFIER answer — and the password itself is never sent. A Cognito stand-in on loopback
 * records what the CLI sends.
 */
import { createServer, type Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logIn } from '../../local/cli/cognito.ts';
import type { Target } from '../../local/cli/target.ts';
import { close, listen } from '../../local/net.ts';

const PASSWORD = 'Correct-Horse-9-battery';
const requests: Array<{ target: string; body: string }> = [];
let server: Server;
let endpoint = '';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${base64url({ alg: 'none' })}.${base64url(claims)}.sig`;
const exp = Math.floor(Date.now() / 1000) + 900;

test.before(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(request.headers['x-amz-target']);
      requests.push({ target, body });
      const reply = target.endsWith('.InitiateAuth')
        ? {
            ChallengeName: 'PASSWORD_VERIFIER',
            Session: 'session-1',
            ChallengeParameters: {
              SALT: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
              SRP_B: 'f'.repeat(512),
              USERNAME: 'user-id-1',
              USER_ID_FOR_SRP: 'user-id-1',
              SECRET_BLOCK: Buffer.from('secret-block').toString('base64'),
            },
          }
        : {
            AuthenticationResult: {
              IdToken: jwt({ sub: 'user-id-1', exp, token_use: 'id' }),
              AccessToken: jwt({ sub: 'user-id-1', exp, token_use: 'access' }),
              RefreshToken: 'refresh-token',
              ExpiresIn: 900,
              TokenType: 'Bearer',
            },
          };
      response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(reply));
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  endpoint = `http://127.0.0.1:${port}/`;
  process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = endpoint;
});

test.after(async () => {
  delete process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
  await close(server);
});

const stage: Target = {
  kind: 'stage',
  name: 'dev',
  apiUrl: 'https://example.execute-api.eu-west-1.amazonaws.com/dev',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbCdEf123',
  clientId: 'client123',
  sessionFile: '/dev/null',
};

test('login to a stage uses USER_SRP_AUTH and never sends the password', async () => {
  const session = await logIn(stage, 'me@example.com', PASSWORD);
  assert.is(session.refreshToken, 'refresh-token');
  assert.is(session.expiresAt, exp);

  assert.equal(
    requests.map((request) => request.target),
    ['AWSCognitoIdentityProviderService.InitiateAuth', 'AWSCognitoIdentityProviderService.RespondToAuthChallenge'],
  );
  const initiate = JSON.parse(requests[0]?.body ?? '{}');
  assert.is(initiate.AuthFlow, 'USER_SRP_AUTH');
  assert.is(initiate.ClientId, 'client123');
  assert.match(initiate.AuthParameters.SRP_A, /^[0-9a-f]{64,}$/);
  assert.not.ok('PASSWORD' in initiate.AuthParameters);
  const answer = JSON.parse(requests[1]?.body ?? '{}');
  assert.is(answer.ChallengeName, 'PASSWORD_VERIFIER');
  assert.is(answer.Session, 'session-1');
  assert.ok(answer.ChallengeResponses.PASSWORD_CLAIM_SIGNATURE && answer.ChallengeResponses.TIMESTAMP);
  for (const request of requests) assert.not.ok(request.body.includes(PASSWORD), `${request.target} carries the password`);
});

test.run();
