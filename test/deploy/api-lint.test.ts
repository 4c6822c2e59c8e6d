/** `make api-lint` as part of `npm test`: Spectral and Redocly find nothing in docs/openapi.json. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../../infra/config.ts';
import { apiLint, lintLine } from '../../scripts/api-lint.ts';

test('every rule the lint configs turn off has a reason above it', () => {
  for (const file of ['.spectral.yaml', 'redocly.yaml']) {
    const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (!/:\s*off\s*$/.test(line)) return;
      assert.match(lines[index - 1] ?? '', /^\s+# \S/, `${file}: ${line.trim()} has no reason above it`);
    });
  }
});

test('Spectral and Redocly find no error and no warning in docs/openapi.json', async () => {
  const result = await apiLint();
  assert.equal(result.problems, [], result.problems.join('\n'));
  console.log(`  ${lintLine(result)}`);
});

test('both linters report what is wrong with a poor document (so a clean result means something)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'task-api-lint-'));
  try {
    const poor = join(dir, 'poor.json');
    const operation = { responses: { 200: { description: 'OK' } } };
    writeFileSync(
      poor,
      JSON.stringify({ openapi: '3.0.3', info: { title: 'Poor', version: '1' }, paths: { '/things': { get: operation } } }),
    );
    const result = await apiLint(poor);
    assert.ok(result.spectral > 0, 'Spectral found nothing');
    assert.ok(result.redocly > 0, 'Redocly found nothing');
    assert.ok(
      result.problems.some((problem) => problem.includes('operationId')),
      result.problems.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
