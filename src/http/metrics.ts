import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { DecisionCache } from '../gating/decisionCache.ts';
import type { Store } from '../store/connection.ts';

/** Prometheus metrics: requests by route and status, latency, and the store's connection pool. */
export function registerMetrics(app: FastifyInstance, store: Store, registry = new client.Registry()): client.Registry {
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({
    name: 'resultsdb_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: 'resultsdb_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new client.Gauge({
    name: 'resultsdb_store_connections',
    help: 'Store connection pool: total, idle and waiting clients',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = store.poolStats();
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  new client.Gauge({
    name: 'resultsdb_store_pipelined_connections',
    help: 'Shared pipelined PostgreSQL connections (db_pipelines) open or opening',
    registers: [registry],
    collect() {
      this.set(store.poolStats().pipelined);
    },
  });
  new client.Gauge({
    name: 'resultsdb_store_pipelined_queries',
    help: 'Queries sent on the pipelined connections and not answered yet',
    registers: [registry],
    collect() {
      this.set(store.poolStats().pipelinedInFlight);
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, not the URL: bounded label values whatever clients send.
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: reply.statusCode });
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  return registry;
}

/** How often repeated decisions were answered from the cache, and its size. */
export function registerDecisionCacheMetrics(registry: client.Registry, cache: DecisionCache): void {
  new client.Counter({
    name: 'resultsdb_decision_cache_lookups_total',
    help: 'Plain decisions looked up in the decision cache, by outcome (hit, miss)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ outcome: 'hit' }, cache.stats.hits);
      this.inc({ outcome: 'miss' }, cache.stats.misses);
    },
  });
  new client.Gauge({
    name: 'resultsdb_decision_cache_bytes',
    help: 'Size of the answers held in the decision cache',
    registers: [registry],
    collect() {
      this.set(cache.snapshot().bytes);
    },
  });
}
