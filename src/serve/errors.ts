import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { CurioError, type ErrorCode, type Problem } from '../core/index.js';

/** The one error body every failing route returns. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; problems: Problem[] };
}

/** Sends a CurioError with its HTTP status and the standard body. */
export function sendError(reply: FastifyReply, error: CurioError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message, problems: error.problems } };
  return reply.status(error.httpStatus).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own errors (body parsing, limits) translated into CurioErrors so clients see one shape. */
export function fromFastifyError(error: FastifyError): CurioError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CurioError('PAYLOAD_TOO_LARGE', 'the request body is larger than server.bodyLimitBytes', { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CurioError('BAD_INPUT', 'unsupported content type; send application/json', { cause: error });
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new CurioError('PAYLOAD_TOO_LARGE', error.message, { cause: error });
  // Malformed JSON, empty JSON bodies and similar client mistakes arrive as 4xx errors from Fastify.
  if (status >= 400 && status < 500) return new CurioError('BAD_INPUT', error.message, { cause: error });
  return null;
}

/** Installs the error and not-found handlers: every failure leaves as `{error: {code, message, problems}}`. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const curio = error instanceof CurioError ? error : fromFastifyError(error);
    if (curio) return sendError(reply, curio);
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, new CurioError('INTERNAL', 'internal error', { cause: error }));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new CurioError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
