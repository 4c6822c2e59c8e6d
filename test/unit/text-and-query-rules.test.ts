import '../support/env.ts';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler as createTask } from '../../functions/handlers/create-task.ts';
import { handler as getTask } from '../../functions/handlers/get-task.ts';
import { handler as updateTask } from '../../functions/handlers/update-task.ts';
import { ddb, newTaskId, resetMocks } from '../support/ddb.ts';
import { invoke } from '../support/invoke.ts';

const rules = suite('text that cannot be stored, and query parameters a route does not take');
rules.before.each(resetMocks);

rules('a title with a lone surrogate is refused before anything is written', async () => {
  const response = await invoke(createTask, { method: 'POST', rawBody: '{"title":"broken \\ud800 text"}' });
  assert.is(response.status, 400);
  assert.equal(response.body.error.details, [{ field: 'body.title', message: 'must be well-formed Unicode text' }]);
  assert.is(ddb.commandCalls(PutCommand).length, 0);
});

rules('a description with a lone low surrogate is refused on update', async () => {
  const taskId = newTaskId();
  const response = await invoke(updateTask, {
    method: 'PATCH',
    path: `/tasks/${taskId}`,
    resource: '/tasks/{taskId}',
    pathParameters: { taskId },
    rawBody: '{"description":"\\udc00"}',
  });
  assert.is(response.status, 400);
  assert.is(response.body.error.details[0].field, 'body.description');
  assert.is(ddb.commandCalls(UpdateCommand).length, 0);
});

rules('emoji and other astral characters are ordinary text', async () => {
  ddb.on(PutCommand).resolves({});
  const response = await invoke(createTask, { method: 'POST', body: { title: 'ship 🚀', description: '𝄞 music' } });
  assert.is(response.status, 201);
  assert.is(response.body.task.title, 'ship 🚀');
});

rules('a single-task route rejects query parameters instead of ignoring them', async () => {
  const taskId = newTaskId();
  const response = await invoke(getTask, {
    path: `/tasks/${taskId}`,
    resource: '/tasks/{taskId}',
    pathParameters: { taskId },
    query: { fields: 'title' },
  });
  assert.is(response.status, 400);
  assert.equal(response.body.error.details, [{ field: 'query.fields', message: 'is not an accepted field' }]);
  assert.is(ddb.commandCalls(GetCommand).length, 0);
});

rules('a value of the wrong type is called wrong, not missing', async () => {
  const wrongType = await invoke(createTask, { method: 'POST', body: { title: 5 } });
  assert.equal(wrongType.body.error.details, [{ field: 'body.title', message: 'Invalid input: expected string, received number' }]);
  const missing = await invoke(createTask, { method: 'POST', body: { description: 'no title' } });
  assert.equal(missing.body.error.details, [{ field: 'body.title', message: 'is required' }]);
  const notAnObject = await invoke(createTask, { method: 'POST', body: ['a list'] });
  assert.equal(notAnObject.body.error.details, [{ field: 'body', message: 'Invalid input: expected object, received array' }]);
});

rules.run();
