import { defineHandler } from '../http/handler.ts';
import { etag } from '../http/response.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('createTask'), async ({ caller, body, headers }) => {
  const { task } = await taskService().create(caller.userId, body, headers['idempotency-key']);
  return { status: 201, body: { task }, headers: { Location: `/tasks/${task.task_id}`, ETag: etag(task.version) } };
});
