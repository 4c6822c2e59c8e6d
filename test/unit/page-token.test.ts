import '../support/env.ts';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FunctionConfig } from '../../functions/config/env.ts';
import { forgetPageTokenSecret, pageTokenSecret } from '../../functions/config/page-token-key.ts';
import { decodePageToken, encodePageToken, type TokenBinding } from '../../functions/http/page-token.ts';
import { ValidationError } from '../../functions/tasks/errors.ts';

const SECRET = randomBytes(32);
const BINDING: TokenBinding = { query: 'listTasks:*', userId: 'user-a' };
const CURSOR = { PK: 'USER#user-a', SK: 'TASK#01J00000000000000000000001' };

function assertRejected(token: string, binding: TokenBinding = BINDING, secret: Buffer = SECRET) {
  try {
    decodePageToken(token, binding, secret);
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.equal((error as ValidationError).details, [{ field: 'query.next_token', message: 'is not a valid page token for this query' }]);
    return;
  }
  assert.unreachable(`token ${JSON.stringify(token.slice(0, 40))} was accepted`);
}

// ---------------------------------------------------------------------------------------------------
const codec = suite('page tokens are opaque, tamper-evident and bound to user and query');

codec('a token decodes to its cursor for the same user and query', () => {
  const token = encodePageToken(CURSOR, BINDING, SECRET);

  assert.equal(decodePageToken(token, BINDING, SECRET), CURSOR);
});

codec('a token is URL-safe and does not show the cursor', () => {
  const token = encodePageToken(CURSOR, BINDING, SECRET);

  assert.match(token, /^[A-Za-z0-9_-]+$/);
  const bytes = Buffer.from(token, 'base64url').toString('latin1');
  assert.not.ok(bytes.includes('USER#'));
  assert.not.ok(bytes.includes('TASK#'));
  assert.not.ok(bytes.includes('user-a'));
});

codec('the same cursor gives a different token each time (random IV)', () => {
  assert.is.not(encodePageToken(CURSOR, BINDING, SECRET), encodePageToken(CURSOR, BINDING, SECRET));
});

codec('another user’s token is rejected', () => {
  assertRejected(encodePageToken(CURSOR, BINDING, SECRET), { ...BINDING, userId: 'user-b' });
});

codec('a token for another query is rejected', () => {
  const token = encodePageToken(CURSOR, BINDING, SECRET);

  assertRejected(token, { ...BINDING, query: 'listTasks:done' });
  assertRejected(token, { ...BINDING, query: 'adminListTasks:pending' });
});

codec('user and query cannot be shifted into each other', () => {
  const token = encodePageToken(CURSOR, { query: 'a:b', userId: 'c' }, SECRET);

  assertRejected(token, { query: 'a', userId: 'b:c' });
});

codec('a token made with another secret is rejected', () => {
  assertRejected(encodePageToken(CURSOR, BINDING, randomBytes(32)));
});

codec('flipping any single bit of any byte is detected', () => {
  const raw = Buffer.from(encodePageToken(CURSOR, BINDING, SECRET), 'base64url');
  for (let index = 0; index < raw.byteLength; index += 1) {
    for (const bit of [0x01, 0x80]) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] as number) ^ bit;
      assertRejected(altered.toString('base64url'));
    }
  }
});

codec('every truncation is rejected', () => {
  const token = encodePageToken(CURSOR, BINDING, SECRET);
  for (let length = 0; length < token.length; length += 1) assertRejected(token.slice(0, length));
});

codec('extra characters and non-canonical spellings are rejected', () => {
  const token = encodePageToken(CURSOR, BINDING, SECRET);

  assertRejected(`${token}A`);
  assertRejected(`${token}=`);
  assertRejected(` ${token}`);
  assertRejected(token.replaceAll('-', '+').replaceAll('_', '/'));
});

codec('a genuine token whose plaintext is not an object is rejected', () => {
  // Sealed exactly as the codec does, but over a JSON array: only the shape check can refuse it.
  const key = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'page-token-encryption', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(JSON.stringify([1, BINDING.query, BINDING.userId])));
  const sealed = Buffer.concat([cipher.update('["PK","SK"]', 'utf8'), cipher.final()]);
  const token = Buffer.concat([Buffer.of(1), iv, sealed, cipher.getAuthTag()]).toString('base64url');

  assertRejected(token);
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
      const token = encodePageToken(cursor, binding, SECRET);
      assert.equal(decodePageToken(token, binding, SECRET), JSON.parse(JSON.stringify(cursor)));
      assertRejected(token, { ...binding, userId: other });
    }),
    { numRuns: 200 },
  );
});

codec.run();

// ---------------------------------------------------------------------------------------------------
const secret = suite('the page-token secret');
const kms = mockClient(KMSClient);
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const settings = (overrides: Partial<FunctionConfig>): FunctionConfig => ({
  tableName: 't',
  statusShards: 1,
  allowedOrigins: [],
  ...overrides,
});

secret.before.each(() => {
  kms.reset();
  forgetPageTokenSecret();
});
secret.after.each(() => forgetPageTokenSecret());

secret('PAGE_TOKEN_KEY is used as it is, without KMS', async () => {
  const key = randomBytes(32);

  const result = await pageTokenSecret(settings({ pageTokenKey: key.toString('base64'), pageTokenKmsKeyId: KMS_KEY }));

  assert.ok(result.equals(key));
  assert.is(kms.calls().length, 0);
});

secret('a PAGE_TOKEN_KEY shorter than 32 bytes is refused', async () => {
  try {
    await pageTokenSecret(settings({ pageTokenKey: randomBytes(31).toString('base64') }));
    assert.unreachable('a short key was accepted');
  } catch (error) {
    assert.match(String(error), /at least 32 bytes/);
  }
});

secret('with a KMS key: one GenerateMac (HMAC_SHA_256 over a fixed label) per cold start', async () => {
  const mac = randomBytes(32);
  kms.on(GenerateMacCommand).resolves({ Mac: mac, KeyId: KMS_KEY, MacAlgorithm: 'HMAC_SHA_256' });

  const first = await pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY }));
  const second = await pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY }));

  assert.ok(first.equals(mac));
  assert.is(second, first);
  assert.is(kms.commandCalls(GenerateMacCommand).length, 1);
  const input = kms.commandCalls(GenerateMacCommand)[0]?.args[0].input;
  assert.is(input?.KeyId, KMS_KEY);
  assert.is(input?.MacAlgorithm, 'HMAC_SHA_256');
  assert.is(Buffer.from(input?.Message ?? new Uint8Array()).toString(), 'task-api/page-token/v1');
});

secret('concurrent first requests share one KMS call', async () => {
  kms.on(GenerateMacCommand).resolves({ Mac: randomBytes(32) });

  const [a, b] = await Promise.all([
    pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY })),
    pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY })),
  ]);

  assert.is(a, b);
  assert.is(kms.commandCalls(GenerateMacCommand).length, 1);
});

secret('a KMS-derived secret seals and opens tokens', async () => {
  kms.on(GenerateMacCommand).resolves({ Mac: randomBytes(32) });
  const derived = await pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY }));

  const token = encodePageToken(CURSOR, BINDING, derived);

  assert.equal(decodePageToken(token, BINDING, derived), CURSOR);
  assertRejected(token, BINDING, SECRET);
});

secret('a failed KMS call is not cached: the next request tries again', async () => {
  const mac = randomBytes(32);
  kms.on(GenerateMacCommand).rejectsOnce(new Error('ThrottlingException')).resolves({ Mac: mac });

  try {
    await pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY }));
    assert.unreachable('the first call should fail');
  } catch (error) {
    assert.match(String(error), /ThrottlingException/);
  }
  const retried = await pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY }));

  assert.ok(retried.equals(mac));
  assert.is(kms.commandCalls(GenerateMacCommand).length, 2);
});

secret('KMS answering without a MAC is an error, not an empty secret', async () => {
  kms.on(GenerateMacCommand).resolves({});

  try {
    await pageTokenSecret(settings({ pageTokenKmsKeyId: KMS_KEY }));
    assert.unreachable('an empty MAC was accepted');
  } catch (error) {
    assert.match(String(error), /no MAC/);
  }
});

secret('neither setting → a configuration error', async () => {
  try {
    await pageTokenSecret(settings({}));
    assert.unreachable('no secret configured, yet one was returned');
  } catch (error) {
    assert.match(String(error), /Configuration error/);
  }
});

secret.run();
