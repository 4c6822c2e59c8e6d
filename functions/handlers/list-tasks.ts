import { definePagedHandler } from '../http/paged-handler.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = definePagedHandler(route('listTasks'), ({ caller, query, page }) =>
  taskService().list(caller.userId, page, query.status),
);
