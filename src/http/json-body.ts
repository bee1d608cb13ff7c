import type { FastifyInstance } from 'fastify';

/**
 * Fastify's JSON parser, but a `DELETE` with `Content-Type: application/json` and no body is no
 * error: clients (and HTTP libraries set up once for a JSON API) send that header on every call,
 * and a DELETE here takes no body. Any other empty JSON body, and malformed JSON, is still a 400
 * (Fastify's own errors, answered on `body`).
 */
export function acceptBodilessDeletes(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (request.method === 'DELETE' && text === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}
