import cluster from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { resolveConfig, type Config } from '../config/config.ts';
import { intOption } from './usage.ts';

// The server's modules load only when it runs, so client commands (submit, query, --help) start fast.
const server = () => Promise.all([import('prom-client'), import('../http/app.ts'), import('../results/outcomes.ts'), import('../store/connection.ts'), import('../store/migrate.ts'), import('../gating/service.ts'), import('../gating/policyLoader.ts'), import('pino')]);

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (applies pending migrations first unless --no-migrate)')
    .option('--host <host>', 'address to listen on (env RESULTSDB_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env RESULTSDB_PORT, default 5001)', intOption('--port', 0, 65535))
    .option('--database <url>', 'postgres://…, sqlite:PATH or a file path (env RESULTSDB_DATABASE_URL)')
    .option('--config <file>', 'YAML config file (env RESULTSDB_CONFIG)')
    .option('--workers <n>', 'server processes sharing the port (default 1)', intOption('--workers', 1, 64))
    .option('--no-migrate', 'do not apply pending migrations at start')
    .option('--policies <dir>', 'directory of Greenwave policy files, reloaded on SIGHUP (default ./policies when it exists)')
    .action(async (opts: { host?: string; port?: number; database?: string; config?: string; workers?: number; migrate: boolean; policies?: string }) => {
      const config = resolveConfig({
        host: opts.host,
        port: opts.port,
        database: opts.database,
        config: opts.config,
        workers: opts.workers,
        migrate: opts.migrate === false ? false : undefined,
        policiesDir: opts.policies,
      });
      await serve(config);
    });
}

/** Runs one server, or with workers > 1 a primary that migrates once and forks the workers. */
export async function serve(config: Config): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  await runWorker(config);
}

async function runPrimary(config: Config): Promise<void> {
  const [{ default: client }] = await server();
  if (config.migrate) await migrateOnce(config);
  const aggregator = new client.AggregatorRegistry();
  const fork = () => cluster.fork({ RESULTSDB_WORKER: '1' });
  for (let i = 0; i < config.workers; i++) fork();
  let stopping = false;
  // Workers that have listened (ids are never reused): none yet means the start itself failed.
  const ready = new Set<number>();
  cluster.on('listening', (w) => ready.add(w.id));
  cluster.on('message', async (worker, msg: { type?: string; id?: number }) => {
    if (msg?.type !== 'resultsdb:metrics') return;
    // A worker still starting has no registry answering yet: asked now, it would never reply and the
    // whole answer would time out. Every worker listens once its registry does.
    for (let i = 0; i < 300 && Object.values(cluster.workers ?? {}).some((w) => w && !ready.has(w.id)); i++) await sleep(100);
    const text = await aggregator.clusterMetrics().catch((e: Error) => `# error: ${e.message}\n`);
    worker.send({ type: 'resultsdb:metrics', id: msg.id, text });
  });
  cluster.on('exit', (w, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    // A worker that fails before the service ever listened (port taken, bad database URL) would fail
    // again: stop instead of forking forever. Later crashes are replaced.
    if (ready.size === 0) {
      console.error(`worker ${w.process.pid} exited with ${code} before listening; stopping`);
      stop();
      process.exitCode = 1;
      return;
    }
    console.error(`worker ${w.process.pid} exited with ${code}; starting another`);
    fork();
  });
  function stop() {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Each worker holds its own policies: pass the reload on.
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}

async function migrateOnce(config: Config): Promise<void> {
  const [, , , { openStore }, { migrate }] = await server();
  const store = openStore(config.database, { poolSize: 1 });
  try {
    await migrate(store);
  } finally {
    await store.close();
  }
}

// An asynchronous write to a file goes through libuv's thread pool; one per request line cost the
// bench's `_distinct_on` some 0.07 ms of server CPU a request (0.58 → 0.50 ms).
const LOG_DESTINATION = { dest: 1, sync: false, minLength: 4096, periodicFlush: 250 };

async function runWorker(config: Config): Promise<void> {
  const [{ default: client }, { buildApp }, { allowedOutcomes }, { openStore, describeDatabaseUrl }, { migrate }, { createGating, reloadPolicies }, { defaultPolicyDir }, { pino }] =
    await server();
  const policyDir = config.policiesDir ?? defaultPolicyDir();
  const store = openStore(config.database, { poolSize: config.dbPoolSize, pipelines: config.dbPipelines });
  // Bad policy files stop the start, naming the file (before anything listens).
  const gating = createGating({ store, config: config.gating, policyDir });
  if (config.migrate && !cluster.isWorker) await migrate(store);
  const registry = new client.Registry();
  if (cluster.isWorker) {
    // Constructing an aggregator makes this worker answer the primary's metric requests.
    new client.AggregatorRegistry();
    client.AggregatorRegistry.setRegistries([registry]);
  }
  const app = await buildApp({
    registry,
    store,
    outcomes: allowedOutcomes(config.additionalOutcomes),
    maxLimit: config.maxLimit,
    bodyLimit: config.bodyLimit,
    // Asynchronous stdout, written 4 kB at a time (or every 250 ms, so a quiet server's lines still
    // show), instead of one write per request; pino flushes what is left when the process exits.
    logger: { level: config.logLevel, redact: ['req.headers.authorization'], stream: pino.destination(LOG_DESTINATION) },
    auth: config.auth,
    metricsText: cluster.isWorker ? clusterMetrics : undefined,
    gating,
  });
  app.log.info({ policies: gating.policies.length, dir: policyDir }, 'policies loaded');
  app.log.info({ store: describeDatabaseUrl(config.database) }, 'store opened');
  // SIGHUP: read the policies again; requests under way keep the set they started with, and a
  // broken file leaves the old set in force.
  process.on('SIGHUP', () => {
    try {
      app.log.info({ policies: reloadPolicies(gating), dir: policyDir }, 'policies reloaded');
    } catch (e) {
      app.log.error({ err: (e as Error).message, dir: policyDir }, 'policy reload failed; previous policies kept');
    }
  });
  // SIGTERM: stop accepting, let in-flight requests finish, close the store, exit 0. Later signals are
  // ignored, not fatal: a signal to the process group reaches a worker twice (directly and from the
  // primary), and the second one must not cut the requests the first one is draining.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await app.listen({ host: config.host, port: config.port });
}

let nextId = 0;
/** A worker's /metrics asks the primary, which gathers every worker's registry. */
function clusterMetrics(): Promise<string> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const onMessage = (msg: { type?: string; id?: number; text?: string }) => {
      if (msg?.type === 'resultsdb:metrics' && msg.id === id) {
        process.off('message', onMessage);
        resolve(msg.text ?? '');
      }
    };
    process.on('message', onMessage);
    process.send!({ type: 'resultsdb:metrics', id });
  });
}
