// The HTTP workloads. GETs rotate over thousands of distinct paths so no single item, page or
// query plan stays trivially hot in a cache; POSTs send fresh items with a realistic body.
import autocannon, { type Result } from 'autocannon';
import { TESTCASES, postBody, prng, syntheticResult, testcaseName, type Shape } from './data.ts';
import { cpuDeltaMs } from './server.ts';
import { round } from './storeLimit.ts';

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  /** A POST that changes nothing (a decision): may run in the warm-up, before the writes. */
  readOnly?: boolean;
  /** Connections for this scenario alone, instead of --connections. */
  connections?: number;
  /** The next request; called once per request, shared by all connections. */
  next: () => { path: string; body?: string; method?: 'GET' | 'POST' };
}

export interface ScenarioStats {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  /** Set when the scenario ran with its own number of connections rather than --connections. */
  connections?: number;
  /** Connection errors and timeouts: requests that got no response at all. */
  errors: number;
  /** Server CPU time per request (all its processes): robust to other load on the machine. */
  server_cpu_ms_per_req?: number;
  /** CPU time per request of the PostgreSQL backends of the bench database: the store's share. */
  db_cpu_ms_per_req?: number;
  /** CPU time per request of the load generator (this process), which shares the machine's cores. */
  load_cpu_ms_per_req: number;
  /** Status of one request checked by hand before the run, and how many results it returned. */
  sample_status: number;
  sample_results?: number;
  /** For decisions: satisfied plus unsatisfied requirements of the sample answer. */
  sample_requirements?: number;
}

const API = '/api/v2.0';
const q = encodeURIComponent;

/** Cycles through `paths` (or bodies) in an order shuffled once by `seed`. */
export function rotate(paths: string[], seed: number): () => string {
  const r = prng(seed);
  // Fisher–Yates, so consecutive requests do not walk items in index order.
  for (let i = paths.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [paths[i], paths[j]] = [paths[j]!, paths[i]!];
  }
  let i = 0;
  return () => paths[i++ % paths.length]!;
}
const rotatePaths = (paths: string[], seed: number): Scenario['next'] => {
  const next = rotate(paths, seed);
  return () => ({ path: next() });
};

const month = (m: number) => `2024-${String(m).padStart(2, '0')}-01T00:00:00`;

/** The HTTP scenarios over the items of `shape`; GET paths cover every item. */
export function scenarios(shape: Shape): Scenario[] {
  const items = shape.itemNames();
  const r = prng(99);
  let posted = 0;
  return [
    {
      name: 'results_by_item',
      method: 'GET',
      next: rotatePaths(items.map((it) => `${API}/results?item=${q(it)}&limit=20`), 1),
    },
    { name: 'latest_by_item', method: 'GET', next: rotatePaths(items.map((it) => `${API}/results/latest?item=${q(it)}`), 2) },
    {
      name: 'latest_by_item_distinct_on',
      method: 'GET',
      next: rotatePaths(
        items.map((it) => `${API}/results/latest?item=${q(it)}&_distinct_on=scenario,system_architecture,system_variant`),
        3,
      ),
    },
    {
      name: 'by_testcase_since',
      method: 'GET',
      // Two-month windows sliding over the seeded year, for every testcase.
      next: rotatePaths(
        Array.from({ length: TESTCASES * 10 }, (_, i) => {
          const m = (i % 10) + 1;
          return `${API}/results?testcases=${q(testcaseName(Math.floor(i / 10)))}&since=${month(m)},${month(m + 2)}`;
        }),
        4,
      ),
    },
    {
      name: 'two_key_data_filter',
      method: 'GET',
      next: rotatePaths(
        items.flatMap((it) => ['x86_64', 'aarch64'].map((a) => `${API}/results?item=${q(it)}&arch=${a}`)),
        5,
      ),
    },
    { name: 'unfiltered', method: 'GET', next: () => ({ path: `${API}/results` }) },
    {
      name: 'post_results',
      method: 'POST',
      // A new build gets a handful of results, none of them about a seeded item.
      next: () => {
        const n = posted++;
        const item = Math.floor(n / 4);
        const body = postBody(syntheticResult(r, item, `newpkg-${item}-1.0-1.fc41`, n));
        return { path: `${API}/results`, body };
      },
    },
  ];
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

interface Sample {
  status: number;
  results?: number;
  requirements?: number;
}

async function sample(base: string, sc: Scenario): Promise<Sample> {
  const { path, body } = sc.next();
  const res = await fetch(base + path, { method: sc.method, headers: HEADERS, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (sc.method !== 'GET' && !sc.readOnly) return { status: res.status };
  const len = (x: unknown) => (Array.isArray(x) ? x.length : undefined);
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const sat = len(j.satisfied_requirements);
    const unsat = len(j.unsatisfied_requirements);
    return {
      status: res.status,
      // Results API pages carry `data`; verbose decisions carry `results`.
      results: len(j.data) ?? len(j.results),
      requirements: sat === undefined || unsat === undefined ? undefined : sat + unsat,
    };
  } catch {
    return { status: res.status };
  }
}

async function cannon(base: string, sc: Scenario, connections: number, duration: number, signal: AbortSignal): Promise<Result> {
  const inst = autocannon({
    url: base,
    connections,
    duration,
    timeout: 30,
    headers: HEADERS,
    requests: [{ method: sc.method, setupRequest: (req) => ({ ...req, ...sc.next() }) }],
  });
  const stop = () => inst.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await inst;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * A freshly started server needs ~10 s of traffic before it reaches its steady rate (JIT, pool
 * connections, per-backend caches); without this the first scenario measures the warm-up.
 */
export async function warmUp(base: string, scs: Scenario[], opts: { connections: number; seconds: number; signal: AbortSignal }) {
  const reads = scs.filter((s) => s.method === 'GET' || s.readOnly);
  if (!reads.length) return;
  let i = 0;
  // Each request carries its own scenario's method, so GETs and read-only POSTs mix in one run.
  const mixed: Scenario = {
    name: 'warm_up',
    method: 'GET',
    next: () => {
      const sc = reads[i++ % reads.length]!;
      return { method: sc.method, ...sc.next() };
    },
  };
  await cannon(base, mixed, opts.connections, opts.seconds, opts.signal);
}

export async function runScenario(
  base: string,
  sc: Scenario,
  opts: { connections: number; duration: number; signal: AbortSignal; log: (m: string) => void; cpuMs?: () => number; dbCpu?: () => Map<string, number> },
): Promise<ScenarioStats> {
  const s = await sample(base, sc);
  if (s.status < 200 || s.status >= 300) opts.log(`WARNING ${sc.name}: sample request answered ${s.status}`);
  else if (s.results === 0) opts.log(`WARNING ${sc.name}: sample request returned no results`);
  // A short discarded run first, so this endpoint's own first calls do not land in the numbers.
  const connections = sc.connections ?? opts.connections;
  await cannon(base, sc, connections, 1, opts.signal);
  const cpu0 = opts.cpuMs?.() ?? NaN;
  const db0 = opts.dbCpu?.();
  const load0 = process.cpuUsage();
  const res = await cannon(base, sc, connections, opts.duration, opts.signal);
  const load = process.cpuUsage(load0);
  const cpuPerReq = ((opts.cpuMs?.() ?? NaN) - cpu0) / res.requests.total;
  const dbPerReq = db0 ? cpuDeltaMs(db0, opts.dbCpu!()) / res.requests.total : NaN;
  const stats: ScenarioStats = {
    rps: round(res.requests.total / res.duration, 1),
    p50_ms: res.latency.p50,
    p99_ms: res.latency.p99,
    non2xx: res.non2xx,
    connections: connections === opts.connections ? undefined : connections,
    errors: res.errors,
    // undefined fields drop out of the JSON report
    server_cpu_ms_per_req: Number.isFinite(cpuPerReq) ? round(cpuPerReq, 2) : undefined,
    db_cpu_ms_per_req: Number.isFinite(dbPerReq) ? round(dbPerReq, 2) : undefined,
    load_cpu_ms_per_req: round((load.user + load.system) / 1000 / res.requests.total, 2),
    sample_status: s.status,
    sample_results: s.results,
    sample_requirements: s.requirements,
  };
  if (res.non2xx > 0) opts.log(`WARNING ${sc.name}: ${res.non2xx} non-2xx responses ${JSON.stringify(res.statusCodeStats)}`);
  opts.log(`${sc.name}: ${stats.rps} req/s, p50 ${stats.p50_ms} ms, p99 ${stats.p99_ms} ms, server CPU ${stats.server_cpu_ms_per_req} ms/req, db CPU ${stats.db_cpu_ms_per_req} ms/req, load generator CPU ${stats.load_cpu_ms_per_req} ms/req`);
  return stats;
}
