import '../support/env.ts';
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FunctionConfig } from '../../functions/config/env.ts';
import { acceptedPageTokenKey, currentPageTokenKey, forgetPageTokenSecret } from '../../functions/config/page-token-key.ts';
import {
  DEFAULT_PAGE_TOKEN_TTL_SECONDS,
  decodePageToken,
  encodePageToken,
  type PageTokenKey,
  type TokenBinding,
} from '../../functions/http/page-token.ts';
import { ValidationError } from '../../functions/tasks/errors.ts';

const SECRET = randomBytes(32);
const KEY: PageTokenKey = { version: 1, secret: SECRET };
const BINDING: TokenBinding = { query: 'listTasks:*', userId: 'user-a' };
const CURSOR = { PK: 'USER#user-a', SK: 'TASK#01J00000000000000000000001' };

const INVALID = 'is not a valid page token for this query';
const EXPIRED = 'has expired: list again from the first page';

function assertRejected(
  token: string,
  binding: TokenBinding = BINDING,
  key: PageTokenKey | undefined = KEY,
  options = {},
  message = INVALID,
) {
  try {
    decodePageToken(token, binding, key, options);
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.equal((error as ValidationError).details, [{ field: 'query.next_token', message }]);
    return;
  }
  assert.unreachable(`token ${JSON.stringify(token.slice(0, 40))} was accepted`);
}

// ---------------------------------------------------------------------------------------------------
const codec = suite('page tokens are opaque, tamper-evident and bound to user and query');

codec('a token decodes to its cursor for the same user and query', () => {
  const token = encodePageToken(CURSOR, BINDING, KEY);

  assert.equal(decodePageToken(token, BINDING, KEY), CURSOR);
});

codec('a token is URL-safe and does not show the cursor', () => {
  const token = encodePageToken(CURSOR, BINDING, KEY);

  assert.match(token, /^[A-Za-z0-9_-]+$/);
  const bytes = Buffer.from(token, 'base64url').toString('latin1');
  assert.not.ok(bytes.includes('USER#'));
  assert.not.ok(bytes.includes('TASK#'));
  assert.not.ok(bytes.includes('user-a'));
});

codec('the same cursor gives a different token each time (random IV)', () => {
  assert.is.not(encodePageToken(CURSOR, BINDING, KEY), encodePageToken(CURSOR, BINDING, KEY));
});

codec('another user’s token is rejected', () => {
  assertRejected(encodePageToken(CURSOR, BINDING, KEY), { ...BINDING, userId: 'user-b' });
});

codec('a token for another query is rejected', () => {
  const token = encodePageToken(CURSOR, BINDING, KEY);

  assertRejected(token, { ...BINDING, query: 'listTasks:done' });
  assertRejected(token, { ...BINDING, query: 'adminListTasks:pending' });
});

codec('user and query cannot be shifted into each other', () => {
  const token = encodePageToken(CURSOR, { query: 'a:b', userId: 'c' }, KEY);

  assertRejected(token, { query: 'a', userId: 'b:c' });
});

codec('a token made with another secret is rejected', () => {
  assertRejected(encodePageToken(CURSOR, BINDING, { version: 1, secret: randomBytes(32) }));
});

codec('flipping any single bit of any byte is detected', () => {
  const raw = Buffer.from(encodePageToken(CURSOR, BINDING, KEY), 'base64url');
  for (let index = 0; index < raw.byteLength; index += 1) {
    for (const bit of [0x01, 0x80]) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] as number) ^ bit;
      assertRejected(altered.toString('base64url'));
    }
  }
});

codec('every truncation is rejected', () => {
  const token = encodePageToken(CURSOR, BINDING, KEY);
  for (let length = 0; length < token.length; length += 1) assertRejected(token.slice(0, length));
});

codec('extra characters and non-canonical spellings are rejected', () => {
  // A token with a '-' or '_' to respell (a random IV leaves some tokens without either: 139 of 5,000 here).
  const tokens = Array.from({ length: 50 }, () => encodePageToken(CURSOR, BINDING, KEY));
  const token = tokens.find((candidate) => /[-_]/.test(candidate));
  if (!token) throw new Error('no token with - or _ in 50 encodings');

  assertRejected(`${token}A`);
  assertRejected(`${token}=`);
  assertRejected(` ${token}`);
  assertRejected(token.replaceAll('-', '+').replaceAll('_', '/'));
});

codec('a genuine token whose plaintext is not an object is rejected', () => {
  // Sealed exactly as the codec does, but over a JSON array: only the shape check can refuse it.
  const key = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'page-token-encryption', 32));
  const issuedAt = Math.floor(Date.now() / 1000);
  const header = Buffer.alloc(6);
  header.writeUInt8(2, 0);
  header.writeUInt8(1, 1);
  header.writeUInt32BE(issuedAt, 2);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(JSON.stringify([2, 1, issuedAt, BINDING.query, BINDING.userId])));
  const sealed = Buffer.concat([cipher.update('["PK","SK"]', 'utf8'), cipher.final()]);
  const token = Buffer.concat([header, iv, sealed, cipher.getAuthTag()]).toString('base64url');

  assertRejected(token);
});

const HOUR = 3600 * 1000;

codec('a token is honoured for 24 hours by default, then refused as expired', () => {
  const issued = new Date('2026-11-25T10:00:00Z');
  const token = encodePageToken(CURSOR, BINDING, KEY, issued);

  assert.equal(decodePageToken(token, BINDING, KEY, { now: new Date(issued.getTime() + 24 * HOUR) }), CURSOR);
  assertRejected(token, BINDING, KEY, { now: new Date(issued.getTime() + 24 * HOUR + 1000) }, EXPIRED);
  assert.is(DEFAULT_PAGE_TOKEN_TTL_SECONDS, 24 * 3600);
});

codec('the lifetime is configurable', () => {
  const issued = new Date('2026-11-25T10:00:00Z');
  const token = encodePageToken(CURSOR, BINDING, KEY, issued);

  assertRejected(token, BINDING, KEY, { now: new Date(issued.getTime() + 61_000), ttlSeconds: 60 }, EXPIRED);
  assert.equal(decodePageToken(token, BINDING, KEY, { now: new Date(issued.getTime() + 59_000), ttlSeconds: 60 }), CURSOR);
});

codec('a token issued in the future (beyond clock skew) is refused', () => {
  const token = encodePageToken(CURSOR, BINDING, KEY, new Date(Date.now() + HOUR));

  assertRejected(token, BINDING, KEY, {}, EXPIRED);
  assert.equal(decodePageToken(encodePageToken(CURSOR, BINDING, KEY, new Date(Date.now() + 60_000)), BINDING, KEY), CURSOR);
});

codec('a token is only opened with the key version it names', () => {
  const token = encodePageToken(CURSOR, BINDING, { version: 2, secret: SECRET });

  assertRejected(token, BINDING, { version: 1, secret: SECRET });
  assertRejected(token, BINDING, undefined);
  assert.equal(decodePageToken(token, BINDING, { version: 2, secret: SECRET }), CURSOR);
});

codec('the key version and issue time are authenticated: rewriting them in the token is detected', () => {
  const raw = Buffer.from(encodePageToken(CURSOR, BINDING, KEY, new Date(Date.now() - 25 * HOUR)), 'base64url');
  const younger = Buffer.from(raw);
  younger.writeUInt32BE(Math.floor(Date.now() / 1000), 2);
  assertRejected(younger.toString('base64url'));
  const otherVersion = Buffer.from(raw);
  otherVersion.writeUInt8(7, 1);
  assertRejected(otherVersion.toString('base64url'), BINDING, { version: 7, secret: SECRET });
});

codec('random strings are rejected with a ValidationError, never anything else', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.base64String(),
        fc.uint8Array().map((bytes) => Buffer.from(bytes).toString('base64url')),
      ),
      (token) => {
        assertRejected(token);
      },
    ),
    { numRuns: 500 },
  );
});

codec('random cursors round-trip and are refused to every other user', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), fc.string(), fc.string(), (cursor, userId, other) => {
      fc.pre(userId !== other);
      const binding = { query: 'listTasks:*', userId };
      const token = encodePageToken(cursor, binding, KEY);
      assert.equal(decodePageToken(token, binding, KEY), JSON.parse(JSON.stringify(cursor)));
      assertRejected(token, { ...binding, userId: other });
    }),
    { numRuns: 200 },
  );
});

codec.run();

// ---------------------------------------------------------------------------------------------------
const secret = suite('the page-token secrets');
const kms = mockClient(KMSClient);
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const settings = (overrides: Partial<FunctionConfig>): FunctionConfig => ({
  tableName: 't',
  statusShards: 1,
  allowedOrigins: [],
  serviceName: 'task-api-test',
  logLevel: 'info',
  pageTokenKeyVersion: 1,
  pageTokenTtlSeconds: DEFAULT_PAGE_TOKEN_TTL_SECONDS,
  maxTasksPerUser: 10_000,
  ...overrides,
});
const label = (version: number) => `task-api/page-token/v${version}`;

secret.before.each(() => {
  kms.reset();
  forgetPageTokenSecret();
});
secret.after.each(() => forgetPageTokenSecret());

secret('PAGE_TOKEN_KEY derives each version’s secret as KMS would (HMAC-SHA256 of the version’s label), without KMS', async () => {
  const key = randomBytes(32);

  const result = await currentPageTokenKey(settings({ pageTokenKey: key.toString('base64'), pageTokenKmsKeyId: KMS_KEY }));

  assert.is(result.version, 1);
  assert.ok(result.secret.equals(createHmac('sha256', key).update(label(1)).digest()));
  const next = await currentPageTokenKey(settings({ pageTokenKey: key.toString('base64'), pageTokenKeyVersion: 2 }));
  assert.ok(next.secret.equals(createHmac('sha256', key).update(label(2)).digest()));
  assert.is(kms.calls().length, 0);
});

secret('a PAGE_TOKEN_KEY shorter than 32 bytes is refused', async () => {
  try {
    await currentPageTokenKey(settings({ pageTokenKey: randomBytes(31).toString('base64') }));
    assert.unreachable('a short key was accepted');
  } catch (error) {
    assert.match(String(error), /at least 32 bytes/);
  }
});

secret('with a KMS key: one GenerateMac (HMAC_SHA_256 over the version’s label) per cold start', async () => {
  const mac = randomBytes(32);
  kms.on(GenerateMacCommand).resolves({ Mac: mac, KeyId: KMS_KEY, MacAlgorithm: 'HMAC_SHA_256' });

  const first = await currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY }));
  const second = await currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY }));

  assert.ok(first.secret.equals(mac));
  assert.is(second.secret, first.secret);
  assert.is(kms.commandCalls(GenerateMacCommand).length, 1);
  const input = kms.commandCalls(GenerateMacCommand)[0]?.args[0].input;
  assert.is(input?.KeyId, KMS_KEY);
  assert.is(input?.MacAlgorithm, 'HMAC_SHA_256');
  assert.is(Buffer.from(input?.Message ?? new Uint8Array()).toString(), label(1));
});

secret('concurrent first requests share one KMS call', async () => {
  kms.on(GenerateMacCommand).resolves({ Mac: randomBytes(32) });

  const [a, b] = await Promise.all([
    currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY })),
    currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY })),
  ]);

  assert.is(a.secret, b.secret);
  assert.is(kms.commandCalls(GenerateMacCommand).length, 1);
});

secret('a KMS-derived secret seals and opens tokens', async () => {
  kms.on(GenerateMacCommand).resolves({ Mac: randomBytes(32) });
  const derived = await currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY }));

  const token = encodePageToken(CURSOR, BINDING, derived);

  assert.equal(decodePageToken(token, BINDING, derived), CURSOR);
  assertRejected(token, BINDING, KEY);
});

secret('rotation: after raising the key version, tokens of the previous version are still honoured, older ones are a 400', async () => {
  const root = randomBytes(32).toString('base64');
  const v1 = await currentPageTokenKey(settings({ pageTokenKey: root }));
  const token = encodePageToken(CURSOR, BINDING, v1);

  const afterOneRotation = await acceptedPageTokenKey(1, settings({ pageTokenKey: root, pageTokenKeyVersion: 2 }));
  assert.equal(decodePageToken(token, BINDING, afterOneRotation), CURSOR);
  const afterTwo = await acceptedPageTokenKey(1, settings({ pageTokenKey: root, pageTokenKeyVersion: 3 }));
  assert.is(afterTwo, undefined);
  assertRejected(token, BINDING, afterTwo);
  assert.is(
    await acceptedPageTokenKey(4, settings({ pageTokenKey: root, pageTokenKeyVersion: 3 })),
    undefined,
    'a version from the future',
  );
  assert.is(await acceptedPageTokenKey(0, settings({ pageTokenKey: root, pageTokenKeyVersion: 1 })), undefined);
});

secret('with KMS, each version has its own label, derived once when first needed', async () => {
  kms
    .on(GenerateMacCommand)
    .callsFake(async (input: { Message: Uint8Array }) => ({ Mac: createHmac('sha256', 'kms').update(input.Message).digest() }));
  const at2 = settings({ pageTokenKmsKeyId: KMS_KEY, pageTokenKeyVersion: 2 });

  const current = await currentPageTokenKey(at2);
  const previous = await acceptedPageTokenKey(1, at2);
  await acceptedPageTokenKey(1, at2);

  assert.is(current.version, 2);
  assert.is(previous?.version, 1);
  assert.not.ok(previous?.secret.equals(current.secret));
  assert.equal(
    kms.commandCalls(GenerateMacCommand).map((call) => Buffer.from(call.args[0].input.Message ?? new Uint8Array()).toString()),
    [label(2), label(1)],
  );
});

secret('a failed KMS call is not cached: the next request tries again', async () => {
  const mac = randomBytes(32);
  kms.on(GenerateMacCommand).rejectsOnce(new Error('ThrottlingException')).resolves({ Mac: mac });

  try {
    await currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY }));
    assert.unreachable('the first call should fail');
  } catch (error) {
    assert.match(String(error), /ThrottlingException/);
  }
  const retried = await currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY }));

  assert.ok(retried.secret.equals(mac));
  assert.is(kms.commandCalls(GenerateMacCommand).length, 2);
});

secret('KMS answering without a MAC is an error, not an empty secret', async () => {
  kms.on(GenerateMacCommand).resolves({});

  try {
    await currentPageTokenKey(settings({ pageTokenKmsKeyId: KMS_KEY }));
    assert.unreachable('an empty MAC was accepted');
  } catch (error) {
    assert.match(String(error), /no MAC/);
  }
});

secret('neither setting → a configuration error', async () => {
  try {
    await currentPageTokenKey(settings({}));
    assert.unreachable('no secret configured, yet one was returned');
  } catch (error) {
    assert.match(String(error), /Configuration error/);
  }
});

secret.run();
