import { defineHandler } from '../http/handler.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = defineHandler(route('adminListTasks'), ({ query, page }) => taskService().listAll(query.status, page));
