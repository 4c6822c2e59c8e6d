import { defineHandler } from '../http/handler.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('listTasks'), ({ caller, query, page }) =>
  taskService().list(caller.userId, page, query.status),
);
