/**
 * Local mode holds real-looking data on a developer's laptop: what the penetration test did to it, and
 * what it must find instead. Users cannot choose who they are; the data folder is the owner's alone;
 * web pages cannot reach the embedded database.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminUpdateUserAttributesCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cognito,
  createTask,
  createUser,
  type Fixture,
  http,
  PASSWORD,
  startStack,
  stopStack,
  type User,
  uniqueEmail,
} from './support/stack.ts';

const security = suite<{ fx: Fixture; alice: User }>('local mode security');

security.before(async (context) => {
  context.fx = await startStack();
  context.alice = await createUser(context.fx.stack, 'alice');
  await createTask(context.fx.stack, context.alice, { title: 'Alice’s secret' });
});
security.after(async ({ fx }) => stopStack(fx));

async function refused(call: Promise<unknown>, label: string): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  assert.unreachable(`${label} was accepted`);
  throw new Error('unreachable');
}

security('sign-up cannot choose its sub (or any attribute Cognito owns): no one can become Alice', async ({ fx, alice }) => {
  const client = cognito(fx.stack);
  for (const attribute of [
    { Name: 'sub', Value: alice.sub },
    { Name: 'identities', Value: '[]' },
    { Name: 'cognito:user_status', Value: 'CONFIRMED' },
  ]) {
    const email = uniqueEmail('mallory');
    const error = await refused(
      client.send(
        new SignUpCommand({
          ClientId: fx.stack.clientId,
          Username: email,
          Password: PASSWORD,
          UserAttributes: [{ Name: 'email', Value: email }, attribute],
        }),
      ),
      `SignUp with ${attribute.Name}`,
    );
    assert.is(error.name, 'InvalidParameterException', attribute.Name);
    assert.match(error.message, new RegExp(`user\\.${attribute.Name}`));
  }
  const adminCreate = await refused(
    client.send(
      new AdminCreateUserCommand({
        UserPoolId: fx.stack.userPoolId,
        Username: uniqueEmail('mallory'),
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'sub', Value: alice.sub }],
      }),
    ),
    'AdminCreateUser with sub',
  );
  assert.is(adminCreate.name, 'InvalidParameterException');

  const { Users = [] } = await client.send(new ListUsersCommand({ UserPoolId: fx.stack.userPoolId }));
  const holders = Users.filter((user) => user.Attributes?.some((attribute) => attribute.Name === 'sub' && attribute.Value === alice.sub));
  assert.is(holders.length, 1, 'Alice’s sub belongs to Alice alone');
  const mine = await http(fx.stack, 'GET', '/tasks', { token: alice.idToken });
  assert.equal(
    mine.json.tasks.map((task: { title: string }) => task.title),
    ['Alice’s secret'],
  );
});

security('a user’s sub cannot be changed or removed afterwards either', async ({ fx }) => {
  const client = cognito(fx.stack);
  const bob = await createUser(fx.stack, 'bob');
  const changed = await refused(
    client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: fx.stack.userPoolId,
        Username: bob.email,
        UserAttributes: [{ Name: 'sub', Value: 'x' }],
      }),
    ),
    'AdminUpdateUserAttributes sub',
  );
  assert.is(changed.name, 'InvalidParameterException');
  const removed = await refused(
    client.send(
      new AdminDeleteUserAttributesCommand({ UserPoolId: fx.stack.userPoolId, Username: bob.email, UserAttributeNames: ['sub'] }),
    ),
    'AdminDeleteUserAttributes sub',
  );
  assert.is(removed.name, 'InvalidParameterException');
});

security.run();
