// The HTTP workloads. GETs rotate over thousands of distinct paths so no single item, page or
// query plan stays trivially hot in a cache; POSTs send fresh items with a realistic body.
import autocannon, { type Result } from 'autocannon';
import { ITEMS, TESTCASES, itemName, postBody, prng, syntheticResult, testcaseName } from './data.ts';
import { round } from './storeLimit.ts';

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  /** The next request; called once per request, shared by all connections. */
  next: () => { path: string; body?: string };
}

export interface ScenarioStats {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  /** Connection errors and timeouts: requests that got no response at all. */
  errors: number;
  /** Server CPU time per request (all its processes): robust to other load on the machine. */
  server_cpu_ms_per_req?: number;
  /** Status of one request checked by hand before the run, and how many results it returned. */
  sample_status: number;
  sample_results?: number;
}

const API = '/api/v2.0';
const q = encodeURIComponent;

function rotate(paths: string[], seed: number): Scenario['next'] {
  const r = prng(seed);
  // Fisher–Yates, so consecutive requests do not walk items in index order.
  for (let i = paths.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [paths[i], paths[j]] = [paths[j]!, paths[i]!];
  }
  let i = 0;
  return () => ({ path: paths[i++ % paths.length]! });
}

const items = Array.from({ length: ITEMS }, (_, i) => itemName(i));
const month = (m: number) => `2024-${String(m).padStart(2, '0')}-01T00:00:00`;

export function scenarios(): Scenario[] {
  const r = prng(99);
  let posted = 0;
  return [
    {
      name: 'results_by_item',
      method: 'GET',
      next: rotate(items.map((it) => `${API}/results?item=${q(it)}&limit=20`), 1),
    },
    { name: 'latest_by_item', method: 'GET', next: rotate(items.map((it) => `${API}/results/latest?item=${q(it)}`), 2) },
    {
      name: 'latest_by_item_distinct_on',
      method: 'GET',
      next: rotate(
        items.map((it) => `${API}/results/latest?item=${q(it)}&_distinct_on=scenario,system_architecture,system_variant`),
        3,
      ),
    },
    {
      name: 'by_testcase_since',
      method: 'GET',
      // Two-month windows sliding over the seeded year, for every testcase.
      next: rotate(
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
      next: rotate(
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

async function sample(base: string, sc: Scenario): Promise<{ status: number; results?: number }> {
  const { path, body } = sc.next();
  const res = await fetch(base + path, { method: sc.method, headers: HEADERS, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (sc.method !== 'GET') return { status: res.status };
  try {
    return { status: res.status, results: (JSON.parse(text) as { data?: unknown[] }).data?.length };
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
  const gets = scs.filter((s) => s.method === 'GET');
  let i = 0;
  const mixed: Scenario = { name: 'warm_up', method: 'GET', next: () => gets[i++ % gets.length]!.next() };
  await cannon(base, mixed, opts.connections, opts.seconds, opts.signal);
}

export async function runScenario(
  base: string,
  sc: Scenario,
  opts: { connections: number; duration: number; signal: AbortSignal; log: (m: string) => void; cpuMs?: () => number },
): Promise<ScenarioStats> {
  const s = await sample(base, sc);
  if (s.status < 200 || s.status >= 300) opts.log(`WARNING ${sc.name}: sample request answered ${s.status}`);
  else if (s.results === 0) opts.log(`WARNING ${sc.name}: sample request returned no results`);
  // A short discarded run first, so this endpoint's own first calls do not land in the numbers.
  await cannon(base, sc, opts.connections, 1, opts.signal);
  const cpu0 = opts.cpuMs?.() ?? NaN;
  const res = await cannon(base, sc, opts.connections, opts.duration, opts.signal);
  const cpuPerReq = ((opts.cpuMs?.() ?? NaN) - cpu0) / res.requests.total;
  const stats: ScenarioStats = {
    rps: round(res.requests.total / res.duration, 1),
    p50_ms: res.latency.p50,
    p99_ms: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors,
    // undefined fields drop out of the JSON report
    server_cpu_ms_per_req: Number.isFinite(cpuPerReq) ? round(cpuPerReq, 2) : undefined,
    sample_status: s.status,
    sample_results: s.results,
  };
  if (res.non2xx > 0) opts.log(`WARNING ${sc.name}: ${res.non2xx} non-2xx responses ${JSON.stringify(res.statusCodeStats)}`);
  opts.log(`${sc.name}: ${stats.rps} req/s, p50 ${stats.p50_ms} ms, p99 ${stats.p99_ms} ms, server CPU ${stats.server_cpu_ms_per_req} ms/req`);
  return stats;
}
