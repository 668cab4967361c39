// `npm run bench`: seed a throwaway PostgreSQL database, drive the real server with autocannon,
// measure what PostgreSQL alone sustains for the same inserts, and print one JSON report on stdout.
// Progress goes to stderr. The server and the database are removed however the run ends.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { GATED_EVERY, Shape, defaultItems } from './data.ts';
import { DecisionCheckError, checkDecisions, decisionScenarios, writePolicies, type DecisionMix } from './gating.ts';
import { runScenario, scenarios, warmUp, type Scenario, type ScenarioStats } from './scenarios.ts';
import { seed } from './seed.ts';
import { Server, dbBackendsCpu, freePort, migrate } from './server.ts';
import { round, storeLimit } from './storeLimit.ts';

const t0 = performance.now();
const log = (m: string) => process.stderr.write(`[bench +${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

/** An error the user can fix from its message alone: printed without a stack trace. */
class BenchError extends Error {}

/** Any error here is a usage error: explain the flags rather than print a stack. */
function options(): ReturnType<typeof parseOptions> {
  try {
    return parseOptions();
  } catch (e) {
    throw new BenchError(
      `${(e as Error).message}\nflags: --results N --items N --connections C --duration S --workers W --pool P --database URL --only NAME,NAME…\n` +
        `names: ${ALL_NAMES.join(', ')}`,
    );
  }
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      results: { type: 'string', default: '200000' },
      // No default here: it follows --results (defaultItems), so a larger run tests more builds.
      items: { type: 'string' },
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '10' },
      // Two server processes, as `serve --workers` uses the machine's cores. One process is the
      // bottleneck of the reads (its event loop near a full core while PostgreSQL and the load generator
      // leave the other partly idle): 200,000 results, two-key filter 1,902 → 2,951 req/s, _distinct_on
      // 2,481 → 3,297; POST about the same (2,569 → 2,077, noise of the same order between runs).
      workers: { type: 'string', default: '2' },
      // PostgreSQL connections per server process. With PostgreSQL on the same 2 cores, 3 backends
      // measured less PostgreSQL CPU per request than the service default of 10 (fewer context switches).
      pool: { type: 'string', default: '3' },
      only: { type: 'string' },
      database: {
        type: 'string',
        default: process.env.RESULTSDB_BENCH_PG_URL || 'postgres://resultsdb:resultsdb@127.0.0.1:5432/postgres',
      },
    },
  });
  const int = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
    return n;
  };
  const only = values.only?.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !ALL_NAMES.includes(n)) ?? [];
  if (unknown.length) throw new Error(`--only: unknown scenario ${unknown.join(', ')}`);
  if (only && !only.length) throw new Error('--only needs at least one scenario name');
  const results = int('results');
  const items = values.items === undefined ? defaultItems(results) : int('items');
  return {
    only: only ? new Set(only) : null,
    results,
    // Throws for too few items: a usage error like the others.
    shape: new Shape(items),
    connections: int('connections'),
    duration: int('duration'),
    workers: int('workers'),
    pool: int('pool'),
    adminUrl: values.database!,
  };
}

/**
 * Every scenario in run and report order: reads on the seeded data first, then decisions (read-only
 * POSTs), then the writes and the store's own insert limit.
 */
function allScenarios(shape: Shape): Scenario[] {
  const base = scenarios(shape);
  return [...base.filter((s) => s.method === 'GET'), ...decisionScenarios(shape), ...base.filter((s) => s.method !== 'GET')];
}
const STORE_LIMIT = 'store_limit';
// Names do not depend on the number of items: the smallest data set lists them before flags are parsed.
const ALL_NAMES = [...allScenarios(new Shape(GATED_EVERY)).map((s) => s.name), STORE_LIMIT];

const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

// Cleanup steps run last-registered first, once, whether the run succeeds, fails or is interrupted.
const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await step().catch((e) => log(`cleanup: ${(e as Error).message}`));
  })());

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    abort.abort();
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const opt = options();
  const admin = new pg.Client({ connectionString: opt.adminUrl });
  try {
    await admin.connect();
  } catch (e) {
    throw new BenchError(
      `cannot connect to PostgreSQL at ${redact(opt.adminUrl)}: ${(e as Error).message}\n` +
        'Start it with `bash scripts/services.sh`, or point --database / RESULTSDB_BENCH_PG_URL at a server ' +
        'where this role may CREATE DATABASE.',
    );
  }
  const dbName = `resultsdb_bench_${process.pid}`;
  const u = new URL(opt.adminUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: opt.adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      log(`dropped database ${dbName}`);
    } finally {
      await c.end();
    }
  });
  log(`created database ${dbName}; migrating`);
  migrate(url);

  const seedStart = performance.now();
  const seeded = await seed(url, opt.results, opt.shape, log);
  const seedSeconds = round((performance.now() - seedStart) / 1000, 1);
  log(`seeded ${opt.results} results over ${opt.shape.items} items in ${seedSeconds}s`);
  if (abort.signal.aborted) return;

  const policies = writePolicies();
  cleanups.push(async () => policies.remove());
  const logPath = join(tmpdir(), `resultsdb-bench-${process.pid}.log`);
  const server = Server.start({ url, port: await freePort(), workers: opt.workers, pool: opt.pool, logPath, policiesDir: policies.dir });
  let keepLog = true;
  cleanups.push(async () => {
    await server.stop();
    if (keepLog) log(`server log kept at ${logPath}`);
    else rmSync(logPath, { force: true });
    rmSync(`${logPath}.config.yaml`, { force: true });
  });
  await server.waitReady();
  log(`server ready at ${server.baseUrl} with ${opt.workers} workers`);

  // Reads run first, against exactly the seeded and analyzed data; the POSTs then add rows.
  const all = allScenarios(opt.shape).filter((s) => !opt.only || opt.only.has(s.name));
  let decisionMix: DecisionMix | undefined;
  if (all.some((s) => s.name.startsWith('decision'))) {
    // Before anything is measured: a policy that did not load must not pass for a fast decision.
    try {
      decisionMix = await checkDecisions(server.baseUrl, opt.shape);
    } catch (e) {
      if (e instanceof DecisionCheckError) throw new BenchError(`decision check failed: ${e.message}\nserver log:\n${server.logTail()}`);
      throw e;
    }
    log(`decision check: ${JSON.stringify(decisionMix)}`);
  }
  const warmS = Math.max(3, opt.duration);
  log(`warming up the server for ${warmS}s`);
  await warmUp(server.baseUrl, all, { connections: opt.connections, seconds: warmS, signal: abort.signal });
  const stats: Record<string, ScenarioStats> = {};
  for (const sc of all) {
    if (abort.signal.aborted) return;
    log(`scenario ${sc.name}: ${sc.connections ?? opt.connections} connections, ${opt.duration}s`);
    stats[sc.name] = await runScenario(server.baseUrl, sc, { ...opt, signal: abort.signal, log, cpuMs: () => server.cpuMs(), dbCpu: () => dbBackendsCpu(dbName) });
  }
  if (abort.signal.aborted) return;

  let limit: Awaited<ReturnType<typeof storeLimit>> | undefined;
  if (!opt.only || opt.only.has(STORE_LIMIT)) {
    log(`store limit: ${opt.connections} pg clients, ${opt.duration}s`);
    limit = await storeLimit(url, opt.connections, opt.duration, abort.signal);
    log(`store limit: ${limit.rps} inserts/s, p50 ${limit.p50_ms} ms, p99 ${limit.p99_ms} ms`);
    if (abort.signal.aborted) return;
  }

  const names = ['post_results', 'results_by_item', 'latest_by_item', 'latest_by_item_distinct_on'];
  names.push('by_testcase_since', 'two_key_data_filter', 'unfiltered');
  names.push('decision', 'decision_uncached', 'decision_verbose', 'decision_verbose_1conn');
  const decision = stats.decision;
  const verbose = stats.decision_verbose;
  const report = {
    results: opt.results,
    items: opt.shape.items,
    workers: opt.workers,
    db_pool_size: opt.pool,
    connections: opt.connections,
    duration_s: opt.duration,
    seed_seconds: seedSeconds,
    store_limit: limit,
    scenarios: Object.fromEntries(names.filter((n) => stats[n]).map((n) => [n, stats[n]])),
    post_vs_store_limit: stats.post_results && limit ? round(stats.post_results.rps / limit.rps, 3) : undefined,
    gating: decisionMix && {
      subjects: seeded.gatedSubjects,
      policy_testcases: seeded.policyTestcases,
      waivers: seeded.waivers,
      sample: decisionMix,
      // The targets: ≥ 2,000 decisions/s with p99 < 50 ms at 16 connections, verbose p50 < 10 ms.
      targets: {
        decision_rps_at_least_2000: decision && decision.rps >= 2000,
        decision_p99_under_50ms: decision && decision.p99_ms < 50,
        verbose_p50_under_10ms: verbose && verbose.p50_ms < 10,
        verbose_1conn_p50_under_10ms: stats.decision_verbose_1conn && stats.decision_verbose_1conn.p50_ms < 10,
      },
    },
  };
  keepLog = Object.values(stats).some((s) => s.non2xx > 0 || s.errors > 0);
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().then(
  () => cleanup().then(() => process.exit(abort.signal.aborted ? 130 : 0)),
  (e: Error) => {
    log(`error: ${e instanceof BenchError ? e.message : (e.stack ?? e.message)}`);
    void cleanup().finally(() => process.exit(1));
  },
);
