/**
 * The handler of a `paginated` route: the handler reads one page of items for the page asked for, and the
 * wrapper does the rest — `limit` and `next_token` in, `{tasks, count, next_token}` out, tokens bound to
 * the caller and the route's filters. A module of its own so that only the list handlers' bundles carry
 * the page-token key (and its KMS client).
 */
import { fieldNamesOf } from '../contract/parameters.ts';
import type { RouteDefinition } from '../routes.ts';
import type { PageRequest } from '../tasks/repository.ts';
import type { Page } from '../tasks/task.ts';
import { type LambdaHandler, type ValidRequest, wrapHandler } from './handler.ts';
import { type PageQuery, pageBinding, pageBody, pageRequestOf } from './pagination.ts';

export type PagedAction<R extends RouteDefinition> = (request: ValidRequest<R> & { page: PageRequest }) => Promise<Page<unknown>>;

export function definePagedHandler<R extends RouteDefinition & { paginated: true }>(route: R, list: PagedAction<R>): LambdaHandler {
  const queryFields = fieldNamesOf(route.request.query);
  return wrapHandler(route, async (request) => {
    const query = request.query as PageQuery & Record<string, unknown>;
    const binding = pageBinding(route.operationId, queryFields, query, request.caller.userId);
    const page = await list({ ...request, page: await pageRequestOf(query, binding) });
    return { status: route.success.status, body: await pageBody(page, binding) };
  });
}
