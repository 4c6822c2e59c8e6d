/** The one error envelope every function error uses, for the API document (the functions build it in http/response.ts). */
import * as z from 'zod/mini';
import { ERROR_CATALOGUE, type ErrorCode } from './errors.ts';

export const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.optional(
      z.array(
        z.object({
          field: z.string(),
          message: z.string(),
          limit: z
            .optional(z.number().check(z.int()))
            .register(z.globalRegistry, { description: 'The limit the request ran into (quota_exceeded)' }),
        }),
      ),
    ),
  }),
  request_id: z.string(),
});
