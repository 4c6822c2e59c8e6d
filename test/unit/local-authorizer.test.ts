import fc from 'fast-check';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Authorizer, claimsAsApiGatewayPassesThem, createCognitoAuthorizer, tokenFrom } from '../../local/gateway/authorizer.ts';

const ISSUER = 'http://127.0.0.1:9999/local_pool';
const CLIENT_ID = 'client-1';
const NOW = 1_750_000_000;

interface Context {
  authorize: Authorizer;
  sign: (claims: JWTPayload, options?: { kid?: string; key?: CryptoKeyLike; alg?: string }) => Promise<string>;
  otherKey: CryptoKeyLike;
}
type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const test = suite<Context>('local Cognito authorizer');

test.before(async (context) => {
  const pool = await generateKeyPair('RS256', { extractable: true });
  context.otherKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk = { ...(await exportJWK(pool.publicKey)), kid: 'pool-key', alg: 'RS256', use: 'sig' };
  context.authorize = createCognitoAuthorizer({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    jwks: { keys: [publicJwk] },
    now: () => new Date(NOW * 1000),
  });
  context.sign = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'pool-key' })
      .sign(options.key ?? pool.privateKey);
});

const idClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub: 'user-1',
  iss: ISSUER,
  aud: CLIENT_ID,
  token_use: 'id',
  iat: NOW - 60,
  exp: NOW + 3600,
  auth_time: NOW - 60,
  email: 'ada@example.com',
  email_verified: true,
  'cognito:groups': ['admin', 'editors'],
  ...overrides,
});

test('a valid ID token yields its claims, each as a string the way API Gateway passes them', async ({ authorize, sign }) => {
  const result = await authorize(await sign(idClaims()));
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.is(result.claims.sub, 'user-1');
  assert.is(result.claims['cognito:groups'], 'admin,editors');
  assert.is(result.claims.email_verified, 'true');
  assert.is(result.claims.auth_time, String(NOW - 60));
  assert.is(result.claims.exp, 'Sun Jun 15 16:06:40 UTC 2025');
  for (const value of Object.values(result.claims)) assert.type(value, 'string');
});

test('a Bearer prefix is accepted', async ({ authorize, sign }) => {
  assert.ok((await authorize(`Bearer ${await sign(idClaims())}`)).ok);
});

test('a missing or empty header is 401 Unauthorized', async ({ authorize }) => {
  for (const header of [undefined, '', '   ', 'Bearer ']) {
    assert.equal(await authorize(header), { ok: false, status: 401, message: 'Unauthorized', errorType: 'UnauthorizedException' });
  }
});

test('an access token is refused', async ({ authorize, sign }) => {
  const result = await authorize(await sign(idClaims({ token_use: 'access', aud: undefined, client_id: CLIENT_ID })));
  assert.is(result.ok, false);
});

test('another audience, another issuer or no sub is refused', async ({ authorize, sign }) => {
  for (const overrides of [{ aud: 'other-client' }, { iss: 'http://127.0.0.1:9999/local_other' }, { sub: undefined }]) {
    const result = await authorize(await sign(idClaims(overrides)));
    assert.is(result.ok, false, JSON.stringify(overrides));
  }
});

test('an expired token is refused with API Gateway’s expiry message', async ({ authorize, sign }) => {
  const result = await authorize(await sign(idClaims({ exp: NOW - 1 })));
  assert.equal(result, { ok: false, status: 401, message: 'The incoming token has expired', errorType: 'UnauthorizedException' });
});

test('a token signed by another key, or under an unknown key id, is refused', async ({ authorize, sign, otherKey }) => {
  assert.is((await authorize(await sign(idClaims(), { key: otherKey }))).ok, false);
  assert.is((await authorize(await sign(idClaims(), { kid: 'unknown' }))).ok, false);
});

test('an unsigned (alg none) token is refused', async ({ authorize }) => {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = `${encode({ alg: 'none', kid: 'pool-key' })}.${encode(idClaims())}.`;
  assert.is((await authorize(token)).ok, false);
});

test('random junk in the header is always a 401, never a throw', async ({ authorize }) => {
  await fc.assert(
    fc.asyncProperty(fc.string(), async (header) => {
      const result = await authorize(header);
      return result.ok === false && result.status === 401;
    }),
    { numRuns: 200 },
  );
});

test('tokenFrom takes the raw token or the one after Bearer', () => {
  assert.is(tokenFrom('abc.def.ghi'), 'abc.def.ghi');
  assert.is(tokenFrom('bearer   abc.def.ghi '), 'abc.def.ghi');
  assert.is(tokenFrom(undefined), undefined);
});

test('claims that are objects are passed as JSON, arrays comma-joined', () => {
  const claims = claimsAsApiGatewayPassesThem({ identities: { provider: 'x' }, amr: ['a', 'b'], n: 3 });
  assert.equal(claims, { identities: '{"provider":"x"}', amr: 'a,b', n: '3' });
});

test('a claim named __proto__ is passed on as an own string property like any other', () => {
  const claims = claimsAsApiGatewayPassesThem(JSON.parse('{"sub":"s","__proto__":"x","constructor":1}'));
  assert.equal(Object.entries(claims), [
    ['sub', 's'],
    ['__proto__', 'x'],
    ['constructor', '1'],
  ]);
});

test('a token is verified once: later the same text is accepted without a key lookup, until it expires', async ({ sign }) => {
  const pool = await generateKeyPair('RS256', { extractable: true });
  const publicKey = pool.publicKey;
  let lookups = 0;
  let clock = NOW;
  const authorize = createCognitoAuthorizer({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    jwks: async () => {
      lookups += 1;
      return publicKey;
    },
    now: () => new Date(clock * 1000),
  });
  const token = await new SignJWT(idClaims({ exp: NOW + 10 })).setProtectedHeader({ alg: 'RS256', kid: 'k' }).sign(pool.privateKey);
  const first = await authorize(token);
  const second = await authorize(`Bearer ${token}`);
  assert.ok(first.ok && second.ok);
  assert.equal(second, first, 'the same claims');
  assert.is(lookups, 1, 'verified once');

  // Another text is another token, even with one character of its signature changed.
  const altered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
  assert.is((await authorize(altered)).ok, false);
  assert.is((await authorize(await sign(idClaims(), { key: pool.privateKey }))).ok, true);

  clock = NOW + 10;
  assert.equal(await authorize(token), {
    ok: false,
    status: 401,
    message: 'The incoming token has expired',
    errorType: 'UnauthorizedException',
  });
});

test('refused tokens are not remembered: each is checked again', async () => {
  const pool = await generateKeyPair('RS256');
  let lookups = 0;
  const authorize = createCognitoAuthorizer({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    jwks: async () => {
      lookups += 1;
      return pool.publicKey;
    },
    now: () => new Date(NOW * 1000),
  });
  const wrongAudience = await new SignJWT(idClaims({ aud: 'another-client' })).setProtectedHeader({ alg: 'RS256' }).sign(pool.privateKey);
  assert.is((await authorize(wrongAudience)).ok, false);
  assert.is((await authorize(wrongAudience)).ok, false);
  assert.is(lookups, 2);
});

test.run();
