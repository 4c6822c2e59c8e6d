/**
 * Preloaded with uvu (`--import`, by `npm run test:*` and scripts/test.sh): a test that did not run
 * because a `before` or `after` hook threw is a failure. uvu shows it only in its totals ("Passed" short
 * of "Total", no FAIL line) and exits 0: its runner returns from a `finally` block, which drops the
 * hook's error (uvu-hook-errors.mjs puts it on stderr first). Tests skipped with `.skip` or left out by
 * `.only` are not in uvu's Total.
 */
import { register } from 'node:module';
import { stripVTControlCharacters } from 'node:util';

register('./uvu-hook-errors.mjs', import.meta.url);

const totals = { total: 0, passed: 0 };
const write = process.stdout.write.bind(process.stdout);

process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = stripVTControlCharacters(String(chunk));
  const total = /Total:\s+(\d+)/.exec(text);
  const passed = /Passed:\s+(\d+)/.exec(text);
  if (total) totals.total = Number(total[1]);
  if (passed) totals.passed = Number(passed[1]);
  return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

process.once('exit', (code) => {
  const missing = totals.total - totals.passed;
  if (code === 0 && missing > 0) {
    process.stderr.write(`uvu: ${missing} of ${totals.total} tests did not pass: a before or after hook threw (its error is above)\n`);
    process.exitCode = 1;
  }
});
