import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../app-env.ts';
import { ProblemError } from './problem-error.ts';
import { problemResponse } from './problem-response.ts';

/** Known outcomes become their problem; anything else is logged and becomes a generic 500. */
export const problemHandler: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get('requestId');
  if (err instanceof ProblemError) return problemResponse(err.code, err.status, requestId, err.headers);
  if (err instanceof HTTPException && err.status === 413) return problemResponse('payload-too-large', 413, requestId);
  if (err instanceof HTTPException && err.status < 500) return problemResponse('bad-request', err.status, requestId);
  c.get('log')?.({ level: 'error', msg: 'unhandled error', requestId, error: err.name, detail: err.message });
  return problemResponse('internal-error', 500, requestId);
};

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) => problemResponse('not-found', 404, c.get('requestId'));
