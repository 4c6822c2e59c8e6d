/**
 * No alarm without a runbook entry: every alarm the stacks can create names a section of docs/runbook.md,
 * and each section quotes, verbatim, the Logs Insights query the stack saves for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../../infra/config.ts';
import { ALARM_KINDS, RUNBOOK_PATH } from '../../infra/monitoring/alarms.ts';
import { PROD_ENV, resourcesOf, synthStack } from './support.ts';

const runbook = readFileSync(join(REPO_ROOT, RUNBOOK_PATH), 'utf8');

/** `## <id>` sections: id -> its text up to the next section. */
const sections = new Map(
  runbook
    .split(/^## /m)
    .slice(1)
    .map((section) => [section.slice(0, section.indexOf('\n')).trim(), section] as const),
);

/** The fenced blocks of a section. */
const fencedBlocks = (section: string) => [...section.matchAll(/^```\n([\s\S]*?)\n```$/gm)].map((match) => match[1]);

const stacks = {
  dev: synthStack().tf,
  'dev with a traffic alarm': synthStack({ ALARM_MIN_REQUESTS_PER_HOUR: '30' }).tf,
  prod: synthStack(PROD_ENV).tf,
};

for (const [name, tf] of Object.entries(stacks)) {
  test(`${name}: every alarm's description names a runbook section that exists`, () => {
    const alarms = resourcesOf(tf, 'aws_cloudwatch_metric_alarm');
    assert.ok(alarms.length > 10);
    for (const [, alarm] of alarms) {
      const anchor = (alarm.alarm_description as string).match(new RegExp(`Runbook: ${RUNBOOK_PATH}#([a-z0-9-]+)$`))?.[1];
      assert.ok(anchor && sections.has(anchor), `${alarm.alarm_name}: no runbook section "${anchor}"`);
    }
  });

  test(`${name}: the runbook quotes each saved query verbatim in its alarm's section`, () => {
    const queries = resourcesOf(tf, 'aws_cloudwatch_query_definition');
    assert.ok(queries.length > 5);
    for (const [, saved] of queries) {
      const id = (saved.name as string).split('/').at(-1) as string;
      const section = sections.get(id);
      assert.ok(section, `${saved.name}: no runbook section "${id}"`);
      assert.equal(fencedBlocks(section), [saved.query_string], `${id}: the section's one query is the saved one`);
    }
  });
}

test('one section per kind of alarm, in the same order, each with its query; no stale sections', () => {
  assert.equal(
    [...sections.keys()],
    Object.values(ALARM_KINDS).map((kind) => kind.id),
  );
  for (const kind of Object.values(ALARM_KINDS)) {
    const section = sections.get(kind.id) as string;
    assert.equal(fencedBlocks(section), [kind.query], kind.id);
    assert.ok(section.includes(`**${kind.title}**`), `${kind.id}: the section names the alarm "${kind.title}"`);
  }
});

test.run();
