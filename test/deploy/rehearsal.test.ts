/**
 * `make rehearse` as part of `npm test`: the dev and prod stacks applied to moto, re-planned with no
 * changes, checked against the design, re-planned after a second build, destroyed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STAGES } from '../../infra/config.ts';
import { toolOrSkip } from '../../scripts/rehearsal/tools.ts';
import { rehearse, summaryLine } from '../../scripts/rehearse.ts';

if (toolOrSkip('deploy rehearsal (make rehearse)', 'moto_server')) {
  test('the dev and prod stacks apply to moto, re-plan with no changes, match the design and destroy', async () => {
    const results = await rehearse(STAGES);
    assert.equal(
      results.map((result) => result.stage),
      [...STAGES],
    );
    for (const result of results) {
      assert.ok(result.applied >= 80, `${result.stage}: ${result.applied} resources`);
      assert.ok(result.checks >= 50, `${result.stage}: ${result.checks} design checks`);
    }
    console.log(`  ${summaryLine(results)}`);
  });
}

test.run();
