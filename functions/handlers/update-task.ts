import { defineHandler } from '../http/handler.ts';
import { etag } from '../http/response.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('updateTask'), async ({ caller, params, headers, body }) => {
  const task = await taskService().update(caller.userId, params.taskId, body, headers['if-match']);
  return { status: 200, body: { task }, headers: { ETag: etag(task.version) } };
});
