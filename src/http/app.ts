import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type client from 'prom-client';
import { createAuthenticator } from '../auth/authenticate.ts';
import { NO_AUTH_SETTINGS, type AuthSettings, type Authenticator } from '../auth/identity.ts';
import { DEFAULTS } from '../config/config.ts';
import { registerGatingApi } from '../gating/routes.ts';
import { createGating, type Gating } from '../gating/service.ts';
import { registerResultsApi, type ResultsApiOptions } from '../results/routes.ts';
import { registerWaiversApi } from '../waivers/routes.ts';
import { registerJsonBody } from './body.ts';
import { errorHandler, HttpError, sendJson } from './errors.ts';
import { registerDecisionCacheMetrics, registerMetrics } from './metrics.ts';

export interface AppOptions extends Omit<ResultsApiOptions, 'auth' | 'authenticator'> {
  /** Identity, permissions and superusers; default: no methods configured, results open. */
  auth?: AuthSettings;
  bodyLimit: number;
  /** pino options, or a ready pino logger; false disables logging. */
  logger?: boolean | object;
  /** The process's metrics registry (a cluster worker shares it with the primary's aggregator). */
  registry?: client.Registry;
  /** In a cluster, /metrics answers with every worker's figures (see cli/serve.ts). */
  metricsText?: () => Promise<string>;
  /** Policies and gating settings; default: none loaded, Greenwave's defaults. */
  gating?: Gating;
}

/** Assembles the HTTP application: body parsing, errors, metrics, OpenAPI and every API. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(isLogger(opts.logger) ? { loggerInstance: opts.logger } : { logger: opts.logger ?? { level: 'info' } }),
    bodyLimit: opts.bodyLimit,
    // A group uuid or result id in the path may be as long as the client made it (default: 100 chars, then 404).
    routerOptions: { maxParamLength: 1 << 20 },
    // One log line per request (our onResponse hook) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Behind a proxy that mounts us under X-Script-Name, routes still match without the prefix.
    rewriteUrl: (req) => {
      const prefix = String(req.headers['x-script-name'] ?? '').replace(/\/+$/, '');
      return prefix && req.url?.startsWith(prefix + '/') ? req.url.slice(prefix.length) : (req.url ?? '/');
    },
  });
  // Handlers validate bodies themselves (pydantic-compatible messages) with the same TypeBox schemas
  // the routes declare; the declared schemas also give the OpenAPI document.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_req, reply) => sendJson(reply, 404, { message: 'Not found' }));
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });
  app.addHook('onRequest', async (req) => rejectNulInUrl(req.url));
  registerJsonBody(app);
  const registry = registerMetrics(app, opts.store, opts.registry);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'resultsdb', description: 'ResultsDB API v2.0 compatible results store', version: '2.0' },
    },
  });
  // Also where WaiverDB served its metrics (`/api/v1.0/metrics`), for scrapers configured for it.
  for (const url of ['/metrics', '/api/v1.0/metrics']) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => {
      const text = opts.metricsText ? await opts.metricsText() : await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  }
  const auth = opts.auth ?? NO_AUTH_SETTINGS;
  const authenticator: Authenticator = createAuthenticator(opts.store, auth);
  registerResultsApi(app, { ...opts, auth, authenticator });
  registerWaiversApi(app, { store: opts.store, auth, authenticator, maxLimit: opts.maxLimit });
  const gating = opts.gating ?? createGating({ store: opts.store, config: DEFAULTS.gating, policyDir: null });
  registerGatingApi(app, gating);
  registerDecisionCacheMetrics(registry, gating.cache);
  app.get('/api/v2.0/openapi.json', { schema: { hide: true } }, async (_req, reply) => sendJson(reply, 200, app.swagger()));
  return app;
}

/**
 * PostgreSQL text cannot hold NUL, so a results URL with %00 can match nothing and would fail its
 * query: a 404 in the path, a 400 naming the parameter in the query (deviations item 2). The
 * waivers API validates its own parameters.
 */
function rejectNulInUrl(url: string): void {
  if (!url.startsWith('/api/v2.0') || !/%00/i.test(url)) return;
  const q = url.indexOf('?');
  if (/%00/i.test(q < 0 ? url : url.slice(0, q))) throw new HttpError(404, 'Not found');
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    if (k.includes('\0') || v.includes('\0')) {
      throw new HttpError(400, `Query parameter '${k.replace(/\0/g, '\\x00')}' must not contain NUL characters`);
    }
  }
}

function isLogger(v: unknown): v is FastifyBaseLogger {
  return typeof (v as { info?: unknown } | undefined)?.info === 'function';
}
