import type { FastifyInstance, RouteOptions } from 'fastify';
import { CurioError } from '../core/index.js';

/** The content types a picture upload may come with; the bytes decide the format (sharp reads the header). */
export const PICTURE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'application/octet-stream'] as const;

/** Picture bodies arrive as raw bytes (a Buffer); the JSON parser stays the only other one. */
export function installPictureParser(app: FastifyInstance): void {
  app.addContentTypeParser([...PICTURE_CONTENT_TYPES], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/**
 * A route whose body is one picture: raw bytes up to `maxBytes` (413 naming `pictures.maxBytes` when the
 * declared length is over it, before a byte is read), documented as binary bodies of the picture types.
 */
export function pictureBodyRoute(route: RouteOptions, maxBytes: number): RouteOptions {
  const tooLarge = (bytes: number) =>
    new CurioError('PAYLOAD_TOO_LARGE', `the picture is ${bytes} bytes, more than pictures.maxBytes (${maxBytes})`);
  const content = Object.fromEntries(PICTURE_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]));
  return {
    ...route,
    bodyLimit: maxBytes,
    onRequest: async (request) => {
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared);
    },
    schema: { ...route.schema, body: { content } },
  };
}
