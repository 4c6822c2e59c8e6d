/**
 * How long a function may run in local mode: the deployed functions' timeout, so that a handler too slow
 * for AWS is too slow here. Lambda stops a function at its configured timeout (LAMBDA_TIMEOUT_SECONDS,
 * default DEFAULT_LAMBDA_TIMEOUT_SECONDS, at most MAX_LAMBDA_TIMEOUT_SECONDS) and API Gateway then
 * answers 502 {"message": "Internal server error"}. Its own 29 s integration timeout (504) is only
 * reached by a wait on the gateway's side: the infrastructure caps a function's timeout below it.
 */
import { DEFAULT_LAMBDA_TIMEOUT_SECONDS, MAX_LAMBDA_TIMEOUT_SECONDS } from '../../infra/config.ts';

/** LAMBDA_TIMEOUT_SECONDS as the infrastructure reads it (a whole number of seconds, 1 to 28), in ms. */
export function functionTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LAMBDA_TIMEOUT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_LAMBDA_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > MAX_LAMBDA_TIMEOUT_SECONDS) {
    throw new Error(`LAMBDA_TIMEOUT_SECONDS must be a whole number from 1 to ${MAX_LAMBDA_TIMEOUT_SECONDS}, got "${raw}"`);
  }
  return seconds * 1000;
}
