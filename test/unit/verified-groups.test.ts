/**
 * Group membership comes from the caller's verified ID token, never from the flattened claim: the keys
 * (inline or fetched from the pool's issuer), the checks, and random junk that must never grant anything.
 */
import '../support/env.ts';
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { config, type FunctionConfig } from '../../functions/config/env.ts';
import { forgetPoolKeys, tokenOf, verifiedGroups } from '../../functions/http/groups.ts';
import { foreignKey, idToken, POOL_JWKS, signJwt } from '../support/id-tokens.ts';

const SUB = '44444444-dddd-4ddd-8ddd-444444444444';
const test = suite<{ server: Server; issuer: string; fetches: number; jwks: unknown }>('verified group membership');

test.before(async (context) => {
  context.fetches = 0;
  context.jwks = POOL_JWKS;
  context.server = createServer((req, res) => {
    if (req.url !== '/eu-west-1_pool/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    context.fetches += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(context.jwks));
  });
  await new Promise<void>((resolve) => context.server.listen(0, '127.0.0.1', resolve));
  const address = context.server.address() as { port: number };
  context.issuer = `http://127.0.0.1:${address.port}/eu-west-1_pool`;
});
test.after(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
test.before.each((context) => {
  forgetPoolKeys();
  context.fetches = 0;
  context.jwks = POOL_JWKS;
});

const remote = (issuer: string): FunctionConfig => ({ ...config(), idTokenJwks: undefined, idTokenIssuer: issuer });

test('inline keys: the token’s group array, exactly', async () => {
  assert.equal(await verifiedGroups(idToken(SUB, ['readers,admin', '[x]']), SUB), ['readers,admin', '[x]']);
  assert.equal(await verifiedGroups(`Bearer ${idToken(SUB, ['admin'])}`, SUB), ['admin']);
  assert.equal(await verifiedGroups(idToken(SUB, []), SUB), []);
  assert.equal(await verifiedGroups(undefined, SUB), []);
});

test('keys fetched from the issuer once, and the issuer claim must match', async (context) => {
  const { issuer } = context;
  const settings = remote(issuer);
  assert.equal(await verifiedGroups(idToken(SUB, ['admin'], { iss: issuer }), SUB, settings), ['admin']);
  assert.equal(await verifiedGroups(idToken(SUB, ['admin'], { iss: issuer }), SUB, settings), ['admin']);
  assert.equal(await verifiedGroups(idToken(SUB, ['admin'], { iss: `${issuer}x` }), SUB, settings), []);
  assert.equal(await verifiedGroups(idToken(SUB, ['admin']), SUB, settings), [], 'no issuer claim');
  assert.is(context.fetches, 1);
});

test('a key id the cached keys lack is looked up again, at most once a minute', async (context) => {
  const settings = remote(context.issuer);
  const unknownKid = signJwt({ sub: SUB, token_use: 'id', exp: Date.now() / 1000 + 60, iss: context.issuer }, foreignKey(), 'rotated');
  assert.equal(await verifiedGroups(idToken(SUB, ['admin'], { iss: context.issuer }), SUB, settings), ['admin']);
  assert.equal(await verifiedGroups(unknownKid, SUB, settings), []);
  assert.equal(await verifiedGroups(unknownKid, SUB, settings), []);
  assert.is(context.fetches, 1, 'a burst of unknown key ids does not hammer the JWKS endpoint');
});

test('keys that cannot be fetched are an error (a 500), not an empty group list', async () => {
  try {
    await verifiedGroups(idToken(SUB, ['admin']), SUB, remote('http://127.0.0.1:1/nowhere'));
    assert.unreachable('no keys, yet an answer');
  } catch (error) {
    assert.instance(error, Error);
  }
});

test('random junk in the Authorization header never grants a group and never throws', async () => {
  const valid = idToken(SUB, ['admin']);
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string(),
        fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join('.')),
        fc.base64String().map((junk) => `${header}.${payload}.${junk}`),
        fc.string().map((junk) => `${header}.${Buffer.from(junk).toString('base64url')}.${signature}`),
        fc.constantFrom(`${header}.${payload}.${signature}=`, `${header}.${payload}.${signature}.`, `${header}.${payload}`, ` ${valid}x`),
      ),
      async (authorization) => {
        assert.equal(await verifiedGroups(authorization, SUB), []);
      },
    ),
    { numRuns: 300 },
  );
});

test('alg other than RS256, a critical header or a key id the pool lacks: nothing', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: SUB, token_use: 'id', exp: now + 60, 'cognito:groups': ['admin'] };
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const [, , signature] = idToken(SUB, ['admin']).split('.');
  for (const headerFields of [
    { alg: 'HS256', kid: 'unit-test-pool' },
    { alg: 'none' },
    { alg: 'RS256', kid: 'unit-test-pool', crit: ['exp'] },
  ]) {
    assert.equal(await verifiedGroups(`${part(headerFields)}.${part(claims)}.${signature}`, SUB), [], JSON.stringify(headerFields));
  }
  assert.equal(await verifiedGroups(signJwt(claims, undefined, 'another-kid'), SUB), []);
});

test('tokenOf takes the raw token or the one after Bearer', () => {
  assert.is(tokenOf('abc.def.ghi'), 'abc.def.ghi');
  assert.is(tokenOf('bearer   abc.def.ghi '), 'abc.def.ghi');
  assert.is(tokenOf('  '), undefined);
  assert.is(tokenOf(undefined), undefined);
});

test.run();
