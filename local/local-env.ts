/** `<data dir>/local-env.json`: how the CLI, smoke run and tests reach a running local stack. */
export interface LocalEnv {
  apiUrl: string;
  cognitoEndpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
  tableName: string;
  dynamoDbEndpoint: string;
  memory: boolean;
  pid: number;
}

export const LOCAL_ENV_FILE = 'local-env.json';
export const DEFAULT_DATA_DIR = '.local';
