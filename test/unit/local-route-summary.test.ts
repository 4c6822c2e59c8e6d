/** Local mode's per-route summary: counts, status classes, nearest-rank percentiles, the printed table. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRouteSummary, formatSummary, MAX_SAMPLES_PER_ROUTE, NO_ROUTE, percentile } from '../../local/gateway/route-summary.ts';

test('percentiles are nearest-rank over the sorted latencies', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
  assert.is(percentile(hundred, 50), 50);
  assert.is(percentile(hundred, 99), 99);
  assert.is(percentile([7], 99), 7);
  assert.is(percentile([1, 2, 3, 1000], 50), 2);
  assert.is(percentile([1, 2, 3, 1000], 99), 1000);
  assert.is(percentile([], 50), 0);
});

test('each route counts its requests, 4xx and 5xx, and its latency percentiles', () => {
  const summary = createRouteSummary();
  for (const latency of [10, 20, 30, 40]) summary.record('GET /tasks', 200, latency);
  summary.record('GET /tasks', 401, 1);
  summary.record('POST /tasks', 502, 900);
  summary.record(undefined, 403, 2);
  assert.equal(summary.rows(), [
    { route: NO_ROUTE, requests: 1, clientErrors: 1, serverErrors: 0, p50Ms: 2, p99Ms: 2 },
    { route: 'GET /tasks', requests: 5, clientErrors: 1, serverErrors: 0, p50Ms: 20, p99Ms: 40 },
    { route: 'POST /tasks', requests: 1, clientErrors: 0, serverErrors: 1, p50Ms: 900, p99Ms: 900 },
  ]);
  summary.clear();
  assert.equal(summary.rows(), []);
});

test('only the most recent latencies are kept, the counts are all-time', () => {
  const summary = createRouteSummary();
  summary.record('GET /tasks', 200, 5000);
  for (let index = 0; index < MAX_SAMPLES_PER_ROUTE; index += 1) summary.record('GET /tasks', 200, 1);
  const [row] = summary.rows();
  assert.is(row?.requests, MAX_SAMPLES_PER_ROUTE + 1);
  assert.is(row?.p99Ms, 1, 'the oldest sample is gone');
});

test('the table has one aligned row per route', () => {
  const summary = createRouteSummary();
  summary.record('GET /tasks/{taskId}', 200, 12.4);
  summary.record('POST /tasks', 500, 3);
  const lines = formatSummary(summary.rows()).trimEnd().split('\n');
  assert.is(lines[0], 'Per-route summary (since start-up):');
  assert.match(lines[1] as string, /^route\s+requests\s+4xx\s+5xx\s+p50 ms\s+p99 ms$/);
  assert.match(lines[2] as string, /^GET \/tasks\/\{taskId\}\s+1\s+0\s+0\s+12\s+12$/);
  assert.match(lines[3] as string, /^POST \/tasks\s+1\s+0\s+1\s+3\s+3$/);
  assert.is(new Set(lines.slice(1).map((line) => line.length)).size, 1, 'aligned');
  assert.is(formatSummary([]), 'Per-route summary: no requests yet.\n');
});

test.run();
