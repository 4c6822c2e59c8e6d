/**
 * Pagination for the routes the table marks `paginated`, done once by the handler wrapper: `limit` and
 * `next_token` become the page to read, and the page read becomes `{tasks, count, next_token}`. A token is
 * bound to the caller and to the query it was made for (the route and its filters), never to the page size.
 */
import { acceptedPageTokenKey, currentPageTokenKey } from '../config/page-token-key.ts';
import { config } from '../config/env.ts';
import type { PageRequest } from '../tasks/repository.ts';
import type { Page } from '../tasks/task.ts';
import { decodePageToken, encodePageToken, pageTokenKeyVersion, type TokenBinding } from './page-token.ts';

/** The query fields that say which page of a list, not which list. */
export interface PageQuery {
  limit: number;
  next_token?: string | undefined;
}

/**
 * `listTasks:pending`: the route and the value of each other query field it declares (`*` when not given),
 * so a token serves one list only.
 */
export function pageBinding(
  operationId: string,
  queryFields: readonly string[],
  query: PageQuery & Record<string, unknown>,
  userId: string,
): TokenBinding {
  const filters = queryFields
    .filter((name) => name !== 'limit' && name !== 'next_token')
    .sort((a, b) => a.localeCompare(b))
    .map((name) => (query[name] === undefined ? '*' : String(query[name])));
  return { query: [operationId, ...filters].join(':'), userId };
}

/** The page a request asks for: its size, and the repository cursor its `next_token` stands for. */
export async function pageRequestOf(query: PageQuery, binding: TokenBinding): Promise<PageRequest> {
  const cursor = await cursorFrom(query.next_token, binding);
  return cursor ? { limit: query.limit, cursor } : { limit: query.limit };
}

async function cursorFrom(nextToken: string | undefined, binding: TokenBinding): Promise<Record<string, unknown> | undefined> {
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
