import { defineHandler } from '../http/handler.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('deleteTask'), async ({ caller, params, headers }) => {
  await taskService().remove(caller.userId, params.taskId, headers['if-match']);
  return { status: 204 };
});
