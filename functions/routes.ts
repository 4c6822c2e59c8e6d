/**
 * The route table: the one list of the API's operations. The build (one bundle per handler), the
 * infrastructure (resources, methods, functions, IAM), local mode (routing) and the OpenAPI document
 * are all derived from it. Adding a route is one entry here plus one file in functions/handlers/.
 */
import type { $ZodType } from 'zod/v4/core';
import type { ErrorCode } from './contract/errors.ts';
import {
  adminListTasksQuery,
  conditionalHeaders,
  createTaskHeaders,
  listTasksQuery,
  noQuery,
  taskPathParams,
} from './contract/parameters.ts';
import type { IndexName } from './dynamodb/table-design.ts';
import { createTaskBody, ownedTaskPageSchema, taskEnvelope, taskPageSchema, updateTaskBody } from './tasks/schemas.ts';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
export type DynamoDbAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem' | 'dynamodb:Query';

export interface RouteRequest {
  params?: $ZodType;
  query?: $ZodType;
  headers?: $ZodType;
  body?: $ZodType;
}

export interface RouteDefinition {
  /** The OpenAPI operationId. */
  operationId: string;
  method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  path: string;
  /** File name (without extension) in functions/handlers/, and the name of its `dist/<handler>.zip`. */
  handler: string;
  summary: string;
  /** Only members of the Cognito group `admin` may call it. */
  adminOnly: boolean;
  request: RouteRequest;
  success: { status: number; description: string; body?: $ZodType };
  /**
   * The error codes the route's own logic answers with; those that follow from its shape (a body, admin
   * only) and those every route has are added by `errorCodesOf` (contract/errors.ts), which the API
   * document and the property tests read.
   */
  errors: readonly ErrorCode[];
  /** Exactly what the handler does to DynamoDB: its IAM policy is built from this and nothing else. */
  dynamodb: { actions: readonly DynamoDbAction[]; onTable: boolean; indexes: readonly IndexName[] };
  /**
   * A list that hands out `next_token`s: the handler wrapper turns `limit` and `next_token` into the page
   * to read and the page it returns into `{tasks, count, next_token}`; the function gets the page-token key.
   */
  paginated: boolean;
}

/** Re-exported: local mode's sandbox reads it from the route table module. */
export { ADMIN_GROUP } from './admin-group.ts';

export const routes = [
  {
    operationId: 'createTask',
    method: 'POST',
    path: '/tasks',
    handler: 'create-task',
    summary: 'Create a task (idempotent with an Idempotency-Key header)',
    adminOnly: false,
    request: { query: noQuery, body: createTaskBody, headers: createTaskHeaders },
    success: {
      status: 201,
      description:
        'The task was created, or this is a replay of that create (the same Idempotency-Key and body within 24 hours): the task as it is now, or as it was created if it has been deleted since',
      body: taskEnvelope,
    },
    errors: ['idempotency_key_reused', 'quota_exceeded'],
    // PutItem: the task and the idempotency record; GetItem: replays; UpdateItem: marking a replayable create
    // done, and the owner's task counter (reserving a slot, giving it back when no task was stored).
    dynamodb: { actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], onTable: true, indexes: [] },
    paginated: false,
  },
  {
    operationId: 'listTasks',
    method: 'GET',
    path: '/tasks',
    handler: 'list-tasks',
    summary: "List the caller's tasks, newest first, optionally with one status",
    adminOnly: false,
    request: { query: listTasksQuery },
    success: { status: 200, description: 'One page of tasks', body: taskPageSchema },
    errors: [],
    dynamodb: { actions: ['dynamodb:Query'], onTable: true, indexes: ['GSI2'] },
    paginated: true,
  },
  {
    operationId: 'getTask',
    method: 'GET',
    path: '/tasks/{taskId}',
    handler: 'get-task',
    summary: 'Read one of the caller’s tasks',
    adminOnly: false,
    request: { params: taskPathParams, query: noQuery },
    success: { status: 200, description: 'The task', body: taskEnvelope },
    errors: ['not_found'],
    dynamodb: { actions: ['dynamodb:GetItem'], onTable: true, indexes: [] },
    paginated: false,
  },
  {
    operationId: 'updateTask',
    method: 'PATCH',
    path: '/tasks/{taskId}',
    handler: 'update-task',
    summary: 'Change the title, description or status of a task (optimistic locking with If-Match)',
    adminOnly: false,
    request: { params: taskPathParams, query: noQuery, headers: conditionalHeaders, body: updateTaskBody },
    success: { status: 200, description: 'The updated task', body: taskEnvelope },
    errors: ['not_found', 'precondition_failed'],
    // GetItem: a failed If-Match condition without the old item (absent task, or an engine without
    // ReturnValuesOnConditionCheckFailure) is told apart as 404 or 412 by one consistent read.
    dynamodb: { actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], onTable: true, indexes: [] },
    paginated: false,
  },
  {
    operationId: 'deleteTask',
    method: 'DELETE',
    path: '/tasks/{taskId}',
    handler: 'delete-task',
    summary: 'Delete a task (optimistic locking with If-Match)',
    adminOnly: false,
    request: { params: taskPathParams, query: noQuery, headers: conditionalHeaders },
    success: { status: 204, description: 'The task was deleted' },
    errors: ['not_found', 'precondition_failed'],
    // GetItem: as for updateTask, to tell 404 from 412 after a failed If-Match condition; UpdateItem: the
    // owner's task counter, one less after a delete.
    dynamodb: { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], onTable: true, indexes: [] },
    paginated: false,
  },
  {
    operationId: 'adminListTasks',
    method: 'GET',
    path: '/admin/tasks',
    handler: 'admin-list-tasks',
    summary: 'All users’ tasks with one status (default pending), newest first; admin group only',
    adminOnly: true,
    request: { query: adminListTasksQuery },
    success: { status: 200, description: 'One page of tasks, with their owners', body: ownedTaskPageSchema },
    errors: [],
    dynamodb: { actions: ['dynamodb:Query'], onTable: false, indexes: ['GSI1'] },
    paginated: true,
  },
] as const satisfies readonly RouteDefinition[];

export type RouteName = (typeof routes)[number]['operationId'];
export type RouteOf<N extends RouteName> = Extract<(typeof routes)[number], { operationId: N }>;

export function route<N extends RouteName>(operationId: N): RouteOf<N> {
  const found = routes.find((candidate) => candidate.operationId === operationId);
  if (!found) throw new Error(`No route ${operationId}`);
  return found as RouteOf<N>;
}
