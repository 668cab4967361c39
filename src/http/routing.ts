import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteHandlerMethod } from 'fastify';
import { methodNotAllowedMessage, sendJson } from './errors.ts';

type Method = 'GET' | 'POST';
export interface RouteSpec {
  handler: (req: FastifyRequest, reply: FastifyReply) => unknown;
  schema?: FastifySchema & { summary?: string; hide?: boolean };
}

const ALL_METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'] as const;

/**
 * Registers one path with its methods, answering OPTIONS (200 + Allow) and any other method with a
 * JSON 405, as Werkzeug does for a known URL (but never with an HTML page). HEAD follows GET.
 */
export function declareRoute(app: FastifyInstance, url: string, methods: Partial<Record<Method, RouteSpec>>): void {
  const allowed = Object.keys(methods) as Method[];
  const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort().join(', ');
  for (const m of allowed) {
    const spec = methods[m]!;
    app.route({ method: m, url, schema: spec.schema, handler: nonEmptyParams(spec.handler) as RouteHandlerMethod });
  }
  app.route({
    method: 'OPTIONS',
    url,
    schema: { hide: true } as FastifySchema,
    handler: async (_req, reply) => reply.code(200).header('allow', allow).send(''),
  });
  app.route({
    method: ALL_METHODS.filter((m) => !(allowed as string[]).includes(m)),
    url,
    schema: { hide: true } as FastifySchema,
    handler: async (_req, reply) => sendJson(reply.header('allow', allow), 405, { message: methodNotAllowedMessage(url) }),
  });
}

/**
 * Fastify lets a path parameter match the empty string (`/results/` hits `/results/:id`); Werkzeug's
 * converters never do, so such a URL is an unknown route there: the generic 404.
 */
function nonEmptyParams(handler: RouteSpec['handler']): RouteSpec['handler'] {
  return (req, reply) => {
    const params = Object.values((req.params ?? {}) as Record<string, string>);
    if (params.some((p) => p === '')) return sendJson(reply, 404, { message: 'Not found' });
    return handler(req, reply);
  };
}
