import { defineHandler } from '../http/handler.ts';
import { etag } from '../http/response.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('getTask'), async ({ caller, params }) => {
  const task = await taskService().get(caller.userId, params.taskId);
  return { status: 200, body: { task }, headers: { ETag: etag(task.version) } };
});
