/** The cdktf app: one stack, `<app>-<stage>`, built from the environment's configuration. */
import { App } from 'cdktf';
import { ConfigError, loadConfig } from './config.ts';
import { stackName, TaskApiStack } from './stack.ts';

try {
  const config = loadConfig();
  const app = new App();
  new TaskApiStack(app, stackName(config), { config });
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
