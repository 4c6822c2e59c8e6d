import { defineHandler } from '../http/handler.ts';
import { cursorFrom, pageBody } from '../http/pagination.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('adminListTasks'), async ({ caller, query }) => {
  const binding = { query: `adminListTasks:${query.status}`, userId: caller.userId };
  const cursor = await cursorFrom(query.next_token, binding);
  const page = await taskService().listAll(query.status, { limit: query.limit, cursor });
  return { status: 200, body: await pageBody(page, binding) };
});
