import { defineHandler } from '../http/handler.ts';
import { cursorFrom, pageBody } from '../http/pagination.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('listTasks'), async ({ caller, query }) => {
  const binding = { query: `listTasks:${query.status ?? '*'}`, userId: caller.userId };
  const cursor = await cursorFrom(query.next_token, binding);
  const page = await taskService().list(caller.userId, { limit: query.limit, cursor }, query.status);
  return { status: 200, body: await pageBody(page, binding) };
});
