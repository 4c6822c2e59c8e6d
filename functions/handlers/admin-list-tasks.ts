import { definePagedHandler } from '../http/paged-handler.ts';
import { route } from '../routes.ts';
import { taskService } from '../services.ts';

export const handler = definePagedHandler(route('adminListTasks'), ({ query, page }) => taskService().listAll(query.status, page));
