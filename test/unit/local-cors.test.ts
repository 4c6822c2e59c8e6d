import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { corsPolicyOf } from '../../functions/contract/cors-policy.ts';
import { gatewayPreflightHeaders as preflight, gatewayResponseHeaders as responseHeaders } from '../../functions/http/cors.ts';
import { routes } from '../../functions/routes.ts';

const POLICY = corsPolicyOf(routes);
const gatewayPreflightHeaders = (origin: string | undefined, origins: string[]) => preflight(origin, origins, POLICY);
const gatewayResponseHeaders = (origins: string[]) => responseHeaders(origins, POLICY);

const test = suite('local gateway CORS (as the infrastructure configures API Gateway)');
const SEVERAL = ['https://app.example.com', 'http://localhost:5173'];

test('with several origins a preflight echoes a listed Origin only', () => {
  assert.is(gatewayPreflightHeaders('http://localhost:5173', SEVERAL)['Access-Control-Allow-Origin'], 'http://localhost:5173');
  assert.is(gatewayPreflightHeaders('https://evil.example', SEVERAL)['Access-Control-Allow-Origin'], undefined);
  assert.is(gatewayPreflightHeaders(undefined, SEVERAL)['Access-Control-Allow-Origin'], undefined);
});

test('a single origin or * is a static header; * drops Vary', () => {
  const single = gatewayPreflightHeaders('https://evil.example', ['https://app.example.com']);
  assert.is(single['Access-Control-Allow-Origin'], 'https://app.example.com');
  assert.is(single.Vary, 'Origin');
  const any = gatewayPreflightHeaders('https://x.example', ['*']);
  assert.is(any['Access-Control-Allow-Origin'], '*');
  assert.is(any.Vary, undefined);
});

test('a preflight always lists the methods, headers, exposed headers and max age', () => {
  const headers = gatewayPreflightHeaders(undefined, SEVERAL);
  assert.match(headers['Access-Control-Allow-Methods'] ?? '', /^GET,POST,PATCH,DELETE,OPTIONS$/);
  assert.match(headers['Access-Control-Allow-Headers'] ?? '', /Authorization/);
  assert.match(headers['Access-Control-Expose-Headers'] ?? '', /ETag/);
  assert.is(headers['Access-Control-Max-Age'], '600');
});

test('gateway error responses name an origin only when it is the single allowed one', () => {
  assert.is(gatewayResponseHeaders(SEVERAL)['Access-Control-Allow-Origin'], undefined);
  assert.is(gatewayResponseHeaders(['https://app.example.com'])['Access-Control-Allow-Origin'], 'https://app.example.com');
  assert.is(gatewayResponseHeaders(['*'])['Access-Control-Allow-Origin'], '*');
  assert.is(gatewayResponseHeaders(SEVERAL)['Cache-Control'], 'no-store');
});

test.run();
