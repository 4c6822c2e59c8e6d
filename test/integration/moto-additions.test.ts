/**
 * The calls scripts/rehearsal/moto_server.py adds to moto (Logs Insights saved queries), through the AWS
 * SDK as the provider makes them: create, read back by name prefix, update in place, page, delete, and
 * the errors AWS answers for an id that does not exist.
 */
import {
  CloudWatchLogsClient,
  DeleteQueryDefinitionCommand,
  DescribeQueryDefinitionsCommand,
  PutQueryDefinitionCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clientConfig } from '../../scripts/rehearsal/checks.ts';
import { type Moto, startMoto } from '../../scripts/rehearsal/moto.ts';
import { toolOrSkip } from '../../scripts/rehearsal/tools.ts';

const motoServer = toolOrSkip('moto additions (saved queries)', 'moto_server');
const test = suite<{ moto: Moto; logs: CloudWatchLogsClient }>('moto additions: Logs Insights saved queries');

if (motoServer) {
  test.before(async (context) => {
    context.moto = await startMoto(motoServer);
    context.logs = new CloudWatchLogsClient(clientConfig(context.moto.endpoint, 'eu-west-1'));
  });
  test.after(async (context) => {
    await context.moto?.stop();
  });

  test('a saved query is created, read back by name prefix, updated in place and deleted', async ({ logs }) => {
    const { queryDefinitionId: id } = await logs.send(
      new PutQueryDefinitionCommand({ name: 'stack/runbook/a', queryString: 'fields @message', logGroupNames: ['/aws/lambda/f'] }),
    );
    assert.type(id, 'string');
    await logs.send(new PutQueryDefinitionCommand({ name: 'other/b', queryString: 'fields @timestamp' }));

    const read = async () =>
      (await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'stack/runbook/' }))).queryDefinitions ?? [];
    assert.equal(
      (await read()).map(({ queryDefinitionId, name, queryString, logGroupNames }) => ({
        queryDefinitionId,
        name,
        queryString,
        logGroupNames,
      })),
      [{ queryDefinitionId: id, name: 'stack/runbook/a', queryString: 'fields @message', logGroupNames: ['/aws/lambda/f'] }],
    );

    await logs.send(new PutQueryDefinitionCommand({ queryDefinitionId: id, name: 'stack/runbook/a', queryString: 'stats count(*)' }));
    const [updated] = await read();
    assert.equal([updated?.queryDefinitionId, updated?.queryString, updated?.logGroupNames], [id, 'stats count(*)', []]);

    assert.equal(await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: id })).then(({ success }) => success), true);
    assert.equal(await read(), []);
  });

  test('an unknown id is ResourceNotFoundException, for an update and for a delete', async ({ logs }) => {
    for (const command of [
      new PutQueryDefinitionCommand({ queryDefinitionId: 'no-such-id', name: 'x', queryString: 'fields @message' }),
      new DeleteQueryDefinitionCommand({ queryDefinitionId: 'no-such-id' }),
    ]) {
      try {
        await logs.send(command as PutQueryDefinitionCommand);
        assert.unreachable('an unknown id was accepted');
      } catch (error) {
        assert.is((error as Error).name, 'ResourceNotFoundException');
      }
    }
  });

  test('pages with maxResults and nextToken, in name order', async ({ logs }) => {
    for (const name of ['p/3', 'p/1', 'p/2']) await logs.send(new PutQueryDefinitionCommand({ name, queryString: 'fields @message' }));
    const first = await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'p/', maxResults: 2 }));
    const second = await logs.send(
      new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'p/', maxResults: 2, nextToken: first.nextToken }),
    );
    assert.equal(
      [...(first.queryDefinitions ?? []), ...(second.queryDefinitions ?? [])].map((definition) => definition.name),
      ['p/1', 'p/2', 'p/3'],
    );
    assert.is(second.nextToken, undefined);
  });
}

test.run();
