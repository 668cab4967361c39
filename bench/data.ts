// The synthetic data set shared by the seeder, the HTTP scenarios and the store-limit loop, so
// every part of the bench talks about the same testcases, items and data keys.

export const TESTCASES = 200;
export const ITEMS = 5000;

export const testcaseName = (i: number): string => `bench.tc.${String(i).padStart(3, '0')}`;
export const itemName = (i: number): string => `pkg-${String(i).padStart(4, '0')}-1.0-1.fc40`;

/** Seeded results span 2024 (a leap year), so a `since=2024-…` window hits a known share of them. */
export const SEED_START_US = Date.UTC(2024, 0, 1) * 1000;
export const SEED_SPAN_US = 366 * 86_400 * 1_000_000;

// Repeats weight the pick: most builds are tested on x86_64, most results pass.
const ARCHES = ['x86_64', 'x86_64', 'x86_64', 'aarch64', 'aarch64', 'ppc64le', 's390x'];
const FLAVORS = ['updates-server', 'updates-everything-boot-iso', 'updates-workstation-live-iso'];
const VARIANTS = ['Server', 'Workstation', 'Everything', 'KDE'];
const OUTCOMES = ['PASSED', 'PASSED', 'PASSED', 'PASSED', 'PASSED', 'PASSED', 'FAILED', 'FAILED', 'INFO', 'NEEDS_INSPECTION'];

/** Data keys in `seq` order; six values per result. */
export const DATA_KEYS = ['item', 'type', 'arch', 'scenario', 'system_architecture', 'system_variant'] as const;

/** mulberry32: a tiny seeded PRNG, so two runs seed identical data and numbers stay comparable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export interface SyntheticResult {
  testcase: string;
  testcaseIdx: number;
  outcome: string;
  ref_url: string;
  /** Values in DATA_KEYS order. */
  values: string[];
}

/** Testcases that run for one item: a real build gets a fixed set of tests, some of them rerun. */
const TESTS_PER_ITEM = 10;

/** Result number `n`, about item number `itemIdx` (named `item`). */
export function syntheticResult(r: () => number, itemIdx: number, item: string, n: number): SyntheticResult {
  const arch = pick(r, ARCHES);
  // Spread so each testcase serves many items, and "latest" has reruns to skip.
  const tc = (itemIdx * 7 + Math.floor(r() * TESTS_PER_ITEM)) % TESTCASES;
  return {
    testcase: testcaseName(tc),
    testcaseIdx: tc,
    outcome: pick(r, OUTCOMES),
    ref_url: `https://openqa.example.org/tests/${n}`,
    values: [item, 'koji_build', arch, `fedora.${pick(r, FLAVORS)}.${arch}.64bit`, arch, pick(r, VARIANTS)],
  };
}

/** The JSON body a CI system would POST for this result. */
export function postBody(res: SyntheticResult): string {
  const data: Record<string, string> = {};
  DATA_KEYS.forEach((k, i) => (data[k] = res.values[i]!));
  return JSON.stringify({ testcase: res.testcase, outcome: res.outcome, ref_url: res.ref_url, note: '', data });
}
