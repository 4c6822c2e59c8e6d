import { acceptedPageTokenKey, currentPageTokenKey } from '../config/page-token-key.ts';
import { config } from '../config/env.ts';
import type { Page } from '../tasks/task.ts';
import { decodePageToken, encodePageToken, pageTokenKeyVersion, type TokenBinding } from './page-token.ts';

/** The repository cursor a client's `next_token` stands for (undefined for the first page). */
export async function cursorFrom(nextToken: string | undefined, binding: TokenBinding): Promise<Record<string, unknown> | undefined> {
  if (nextToken === undefined) return undefined;
  const version = pageTokenKeyVersion(nextToken);
  const key = version === undefined ? undefined : await acceptedPageTokenKey(version);
  return decodePageToken(nextToken, binding, key, { ttlSeconds: config().pageTokenTtlSeconds });
}

/** The list response body: `{tasks, count, next_token}`. */
export async function pageBody<T>(page: Page<T>, binding: TokenBinding) {
  const nextToken = page.cursor ? encodePageToken(page.cursor, binding, await currentPageTokenKey()) : null;
  return { tasks: page.items, count: page.items.length, next_token: nextToken };
}
