export const TASK_STATUSES = ['pending', 'in_progress', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task as clients see it: no storage keys, no owner. */
export interface Task {
  task_id: string;
  title: string;
  description: string;
  status: TaskStatus;
  created_at: string;
  updated_at: string;
  version: number;
}

/** The admin view also says whose task it is. */
export interface OwnedTask extends Task {
  owner_id: string;
}

export interface NewTaskInput {
  title: string;
  description: string;
  status: TaskStatus;
}

export type TaskPatch = Partial<NewTaskInput>;

export interface Page<T> {
  items: T[];
  /** Where the next page starts; opaque to everything but the repository that made it. */
  cursor?: Record<string, unknown>;
}
