/**
 * The admin view's merge, proven on its own: shards simulated in memory the way the adapter queries
 * them (newest first, strictly after the cursor, limit + 1), paged to the end through the real
 * mergeNewestFirst. Whatever the shard count, page size, ties, cut-short reads, tasks moving between
 * shards or changing status between pages, the pages are what one index would give.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeNewestFirst, type SortedRun } from '../../functions/dynamodb/shard-merge.ts';
import { seeded } from '../../scripts/random.ts';

interface Entry {
  id: string;
  key: string;
}

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const keyOf = (entry: Entry) => entry.key;
const idOf = (entry: Entry) => entry.id;
const newestFirst = (a: Entry, b: Entry) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);

/** How one shard answers a query: DynamoDB says "more" when its Limit was reached; dynalite only when items are left. */
type MoreRule = 'limit-reached' | 'items-left';

function query(shard: Entry[], after: string | undefined, limit: number, rule: MoreRule, cut?: number): SortedRun<Entry> {
  const rest = shard.filter((entry) => after === undefined || entry.key < after).sort(newestFirst);
  // A read cut short (DynamoDB's 1 MB limit): fewer items than asked, and "more".
  if (cut !== undefined && cut < Math.min(limit, rest.length)) return { items: rest.slice(0, cut), more: true };
  const items = rest.slice(0, limit);
  return { items, more: rule === 'limit-reached' ? items.length === limit : rest.length > limit };
}

/** Pages through the shards to the end; `between` may change them before each page after the first. */
function pageThrough(
  shards: Entry[][],
  limit: number,
  rule: MoreRule,
  options: { cuts?: () => number | undefined; between?: (page: number) => void; duplicate?: (runs: SortedRun<Entry>[]) => void } = {},
) {
  const pages: Entry[][] = [];
  let after: string | undefined;
  for (;;) {
    if (pages.length > 0) options.between?.(pages.length);
    const runs = shards.map((shard) => query(shard, after, limit + 1, rule, options.cuts?.()));
    options.duplicate?.(runs);
    const merged = mergeNewestFirst(runs, limit, keyOf, idOf);
    pages.push(merged.items);
    if (merged.complete) return pages;
    assert.ok(merged.last !== undefined, 'an unfinished page makes progress');
    after = merged.last;
    assert.ok(pages.length <= 10_000, 'paging terminates');
  }
}

/** Tasks with few distinct times (many ties) and unique ids; the key is what the status index sorts by. */
const entries = fc
  .uniqueArray(fc.record({ time: fc.integer({ min: 0, max: 9 }), id: fc.stringMatching(/^[0-9A-Z]{6}$/) }), {
    maxLength: 150,
    selector: (entry) => entry.id,
  })
  .map((list) => list.map(({ time, id }) => ({ id, key: `2026-01-01T00:00:0${time}.000Z#${id}` })));
const layout = fc.record({
  shards: fc.integer({ min: 1, max: 9 }),
  limit: fc.integer({ min: 1, max: 25 }),
  rule: fc.constantFrom<MoreRule>('limit-reached', 'items-left'),
  seed: fc.integer(),
});

function spread(all: Entry[], shards: number, next: (below: number) => number): Entry[][] {
  const result: Entry[][] = Array.from({ length: shards }, () => []);
  for (const entry of all) result[next(shards)]?.push(entry);
  return result;
}

const merge = suite('merging shards into pages (property)');

merge('every task exactly once, in the order of one index, pages full until the last', () => {
  fc.assert(
    fc.property(entries, layout, (all, { shards, limit, rule, seed }) => {
      const pages = pageThrough(spread(all, shards, seeded(seed)), limit, rule);

      assert.equal(pages.flat().map(idOf), [...all].sort(newestFirst).map(idOf));
      for (const page of pages.slice(0, -1)) assert.is(page.length, limit);
      if (rule === 'items-left') assert.ok(pages.length === Math.max(1, Math.ceil(all.length / limit)), 'no empty last page');
    }),
    { numRuns: RUNS },
  );
});

merge('shard reads cut short (the 1 MB limit) shorten pages but lose and repeat nothing', () => {
  fc.assert(
    fc.property(entries, layout, (all, { shards, limit, rule, seed }) => {
      const next = seeded(seed ^ 0x5bd1e995);
      const pages = pageThrough(spread(all, shards, seeded(seed)), limit, rule, {
        cuts: () => (next(3) === 0 ? 1 + next(limit) : undefined),
      });

      assert.equal(pages.flat().map(idOf), [...all].sort(newestFirst).map(idOf));
    }),
    { numRuns: RUNS },
  );
});

merge('a task read from two shards in one page (moved while they were read) is returned once', () => {
  fc.assert(
    fc.property(entries, layout, (all, { shards, limit, rule, seed }) => {
      const next = seeded(seed);
      const pages = pageThrough(spread(all, shards, next), limit, rule, {
        duplicate: (runs) => {
          // Copy a few items into another run at their place in its order.
          for (const run of runs) {
            const moved = run.items.filter(() => next(4) === 0);
            const target = runs[next(runs.length)] as SortedRun<Entry>;
            target.items = [...target.items, ...moved.filter((entry) => !target.items.includes(entry))].sort(newestFirst);
          }
        },
      });

      const ids = pages.flat().map(idOf);
      assert.is(new Set(ids).size, ids.length, 'no duplicates');
      assert.equal(ids, [...all].sort(newestFirst).map(idOf));
    }),
    { numRuns: RUNS },
  );
});

merge('tasks moved between shards or changing status between pages: the ones that stay come exactly once, newest first', () => {
  fc.assert(
    fc.property(entries, layout, fc.integer({ min: 0, max: 5 }), (all, { shards, limit, rule, seed }, churn) => {
      const next = seeded(seed);
      const placed = spread(all, shards, next);
      const touched = new Set<string>();
      let counter = 0;
      const pages = pageThrough(placed, limit, rule, {
        between: () => {
          for (let step = 0; step < churn; step++) {
            const from = placed[next(shards)] as Entry[];
            const victim = from[next(from.length + 1)];
            const action = next(3);
            if (victim && action === 0) {
              // A reshard moves it: same key, another shard. It stays in the view.
              from.splice(from.indexOf(victim), 1);
              placed[next(shards)]?.push(victim);
            } else if (victim && action === 1) {
              // Its status changes: it leaves this view.
              from.splice(from.indexOf(victim), 1);
              touched.add(victim.id);
            } else {
              // Another task's status changes to this one: it enters, at any time.
              const id = `NEW${counter++}`;
              touched.add(id);
              placed[next(shards)]?.push({ id, key: `2026-01-01T00:00:0${next(10)}.000Z#${id}` });
            }
          }
        },
      });

      const returned = pages.flat();
      const ids = returned.map(idOf);
      assert.is(new Set(ids).size, ids.length, 'no duplicates');
      assert.ok(
        returned.every((entry, index) => index === 0 || (returned[index - 1] as Entry).key > entry.key),
        'strictly newest first',
      );
      const stayed = all.filter((entry) => !touched.has(entry.id)).map(idOf);
      const returnedIds = new Set(ids);
      assert.equal(
        stayed.filter((id) => !returnedIds.has(id)),
        [],
        'every task that kept its status',
      );
    }),
    { numRuns: RUNS },
  );
});

merge('an empty status is one empty, complete page', () => {
  const merged = mergeNewestFirst<Entry>(
    [
      { items: [], more: false },
      { items: [], more: false },
    ],
    10,
    keyOf,
    idOf,
  );
  assert.equal(merged, { items: [], complete: true });
});

merge('a shard that ran out but has more stops the page before anything older than its last item', () => {
  const at = (second: number, id: string) => ({ id, key: `2026-01-01T00:00:0${second}.000Z#${id}` });
  const merged = mergeNewestFirst(
    [
      { items: [at(9, 'A'), at(5, 'B')], more: true },
      { items: [at(8, 'C'), at(7, 'D'), at(4, 'E'), at(3, 'F')], more: false },
    ],
    10,
    keyOf,
    idOf,
  );
  assert.equal(merged.items.map(idOf), ['A', 'C', 'D', 'B']);
  assert.is(merged.last, at(5, 'B').key);
  assert.is(merged.complete, false);
});

merge.run();
