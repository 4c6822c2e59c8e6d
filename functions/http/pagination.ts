import { pageTokenSecret } from '../config/page-token-key.ts';
import type { Page } from '../tasks/task.ts';
import { decodePageToken, encodePageToken, type TokenBinding } from './page-token.ts';

/** The repository cursor a client's `next_token` stands for (undefined for the first page). */
export async function cursorFrom(nextToken: string | undefined, binding: TokenBinding): Promise<Record<string, unknown> | undefined> {
  if (nextToken === undefined) return undefined;
  return decodePageToken(nextToken, binding, await pageTokenSecret());
}

/** The list response body: `{tasks, count, next_token}`. */
export async function pageBody<T>(page: Page<T>, binding: TokenBinding) {
  const nextToken = page.cursor ? encodePageToken(page.cursor, binding, await pageTokenSecret()) : null;
  return { tasks: page.items, count: page.items.length, next_token: nextToken };
}
