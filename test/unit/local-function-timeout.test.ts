/** Local mode gives each function the deployed functions' timeout, read as the infrastructure reads it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LAMBDA_TIMEOUT_SECONDS, loadConfig } from '../../infra/config.ts';
import { functionTimeoutMs } from '../../local/runtime/function-timeout.ts';

test('without LAMBDA_TIMEOUT_SECONDS a local function gets the deployed default, not the 29 s integration timeout', () => {
  assert.is(functionTimeoutMs({}), DEFAULT_LAMBDA_TIMEOUT_SECONDS * 1000);
  assert.is(functionTimeoutMs({}), loadConfig({}).lambda.timeoutSeconds * 1000);
  assert.ok(functionTimeoutMs({}) < 29_000);
});

test('LAMBDA_TIMEOUT_SECONDS sets it as it sets the deployed functions’ timeout', () => {
  for (const seconds of ['1', '5', '28']) {
    assert.is(
      functionTimeoutMs({ LAMBDA_TIMEOUT_SECONDS: seconds }),
      loadConfig({ LAMBDA_TIMEOUT_SECONDS: seconds }).lambda.timeoutSeconds * 1000,
    );
  }
  assert.is(functionTimeoutMs({ LAMBDA_TIMEOUT_SECONDS: '' }), DEFAULT_LAMBDA_TIMEOUT_SECONDS * 1000);
});

test('a value the infrastructure refuses is refused here too, naming the variable', () => {
  for (const raw of ['0', '29', '2.5', 'ten', '-1']) {
    assert.throws(() => loadConfig({ LAMBDA_TIMEOUT_SECONDS: raw }), undefined, `infra refuses ${raw}`);
    assert.throws(() => functionTimeoutMs({ LAMBDA_TIMEOUT_SECONDS: raw }), /LAMBDA_TIMEOUT_SECONDS/, raw);
  }
});

test.run();
