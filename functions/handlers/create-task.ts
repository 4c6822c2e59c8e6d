import { defineHandler } from '../http/handler.ts';
import { etag } from '../http/response.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('createTask'), async ({ caller, body, headers, requestPath }) => {
  const { task, replayed } = await taskService().create(caller.userId, body, headers['idempotency-key']);
  const location = `${requestPath.replace(/\/$/, '')}/${task.task_id}`;
  return {
    status: 201,
    body: { task },
    headers: { Location: location, ETag: etag(task.version) },
    ...(replayed ? { outcome: 'idempotent_replay' as const } : {}),
  };
});
