/**
 * The admin view's merge: several runs, each sorted newest first by the same total order (one per
 * shard of the status index), into one page. Pure, so that it can be proven on its own.
 */

/** What one shard's query returned: its items in order, and whether the shard holds more after them. */
export interface SortedRun<T> {
  items: readonly T[];
  more: boolean;
}

export interface MergedPage<T> {
  items: T[];
  /** The order key of the last item returned: every shard goes on strictly after it. */
  last?: string;
  /** True when every run was read to its end: there is no next page. */
  complete: boolean;
}

/**
 * Takes up to `limit` items, largest `orderKey` first (ties, which unique keys never have, by identity).
 * An item seen in two runs (a task moved between shards while they were read) is returned once. The
 * page stops early when a run ends but its shard has more: nothing after that run's last item may be
 * returned before the shard's next items are known.
 */
export function mergeNewestFirst<T>(
  runs: readonly SortedRun<T>[],
  limit: number,
  orderKey: (item: T) => string,
  identity: (item: T) => string,
): MergedPage<T> {
  const cursors = runs.map((run) => ({ run, next: 0 }));
  const head = (cursor: (typeof cursors)[number]): T | undefined => cursor.run.items[cursor.next];
  const seen = new Set<string>();
  const items: T[] = [];
  let last: string | undefined;

  for (;;) {
    for (const cursor of cursors) {
      for (let item = head(cursor); item !== undefined && seen.has(identity(item)); item = head(cursor)) cursor.next++;
    }
    if (items.length >= limit || cursors.some((cursor) => cursor.run.more && head(cursor) === undefined)) break;
    let best: { cursor: (typeof cursors)[number]; item: T; key: string; id: string } | undefined;
    for (const cursor of cursors) {
      const item = head(cursor);
      if (item === undefined) continue;
      const key = orderKey(item);
      const id = identity(item);
      if (!best || key > best.key || (key === best.key && id > best.id)) best = { cursor, item, key, id };
    }
    if (!best) break;
    items.push(best.item);
    seen.add(best.id);
    last = best.key;
    best.cursor.next++;
  }
  const complete = cursors.every((cursor) => !cursor.run.more && head(cursor) === undefined);
  return { items, complete, ...(last === undefined ? {} : { last }) };
}
