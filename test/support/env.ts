/** Imported first by every unit suite: the configuration the handlers read when first loaded. */
import { randomBytes } from 'node:crypto';
import { POOL_JWKS } from './id-tokens.ts';

process.env.TABLE_NAME ??= 'tasks-test';
// The prod default, as in local mode: unit suites see the sharded status index.
process.env.STATUS_SHARDS ??= '8';
process.env.ALLOWED_ORIGINS ??= 'https://app.example.com';
process.env.PAGE_TOKEN_KEY ??= randomBytes(32).toString('base64');
process.env.AWS_REGION ??= 'eu-west-1';
process.env.SERVICE_NAME ??= 'task-api-test';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.ID_TOKEN_JWKS ??= JSON.stringify(POOL_JWKS);
