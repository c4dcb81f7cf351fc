import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { CurioError } from '../core/index.js';
import { sendError, type ErrorBody } from './errors.js';

/**
 * Errors Fastify meets before a route runs (a URL that does not decode, a path segment over the router's
 * limit), answered in the documented shape instead of Fastify's own.
 */
export function onFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return sendError(
        reply,
        new CurioError('BAD_INPUT', 'the URL is not validly percent-encoded', {
          cause: error,
          problems: [{ path: 'url', message: 'invalid percent-encoding' }],
        }),
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendError(
        reply,
        new CurioError('BAD_INPUT', 'a path segment is too long', {
          cause: error,
          problems: [{ path: 'url', message: 'ids are at most 256 characters' }],
        }),
      );
    default:
      return sendError(reply, new CurioError('BAD_INPUT', error.message, { cause: error }));
  }
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over the limit, malformed
 * requests): answered in the documented shape, then the connection is closed as Node would.
 */
export function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy(error);
    return;
  }
  const [status, reason, curio] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          new CurioError('HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts'),
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', new CurioError('REQUEST_TIMEOUT', 'the request did not arrive within server.requestTimeoutMs')]
        : [400, 'Bad Request', new CurioError('BAD_INPUT', 'malformed HTTP request')];
  const body: ErrorBody = { error: { code: curio.code, message: curio.message, problems: [] } };
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * Requests with an `Expect` header other than `100-continue`: Node answers them 417 with an empty body before
 * Fastify sees them. RFC 9110 lets a server ignore an expectation it does not know, so they are served as if
 * the header were absent, and every answer keeps the documented shape.
 */
export function installExpectationHandler(app: FastifyInstance): void {
  app.server.on('checkExpectation', (request, response) => app.routing(request, response));
}

/**
 * The JSON body parser: an empty body is no body (a DELETE sent with a JSON content type), and a body
 * with a `__proto__` or `constructor.prototype` key — valid JSON that could poison objects built from
 * it — is refused with that reason rather than called invalid JSON.
 */
export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const poisoned = error instanceof SyntaxError && /prototype/.test(error.message);
      const message = poisoned
        ? 'the body has a "__proto__" or "constructor.prototype" key; rename it'
        : `the body is not valid JSON: ${(error as Error).message}`;
      done(new CurioError('BAD_INPUT', message, { cause: error }), undefined);
    }
  });
}
