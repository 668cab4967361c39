// The synthetic data set shared by the seeder, the HTTP scenarios and the store-limit loop, so
// every part of the bench talks about the same testcases, items and data keys.

export const TESTCASES = 200;

export const testcaseName = (i: number): string => `bench.tc.${String(i).padStart(3, '0')}`;
/** Four digits at least, so the 5,000 items of the default 200,000 results keep their names. */
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

// ---------------------------------------------------------------------------------------------------
// Gating: one policy of POLICY_TESTCASES required testcases; every GATED_EVERY-th item is a gated
// build whose results cover all of them in GATED_FLAVORS.length scenarios, with a few waivers.

export const GATED_EVERY = 10;
export const isGated = (itemIdx: number): boolean => itemIdx % GATED_EVERY === 0;
export const gatedItem = (k: number): number => k * GATED_EVERY;

/**
 * Share of all seeded results that belong to gated items: at the default RESULTS_PER_ITEM each gated
 * build carries ~90 (30 testcases × 3 scenarios) and every other item ~34, averaging 40; both scale
 * with results per item (900 and ~340 at `--results 2000000 --items 5000`).
 */
export const GATED_SHARE = 0.225;

/**
 * Results per item by default: a store grows by testing more builds, not by more results per build,
 * so the number of items (--items) grows with --results: 200,000 results → 5,000 items.
 */
export const RESULTS_PER_ITEM = 40;
export const defaultItems = (results: number): number => Math.max(GATED_EVERY, Math.round(results / RESULTS_PER_ITEM));

/** The items of one run (`--items`): every GATED_EVERY-th of them, item 0 first, is a gated build. */
export class Shape {
  /** Rounded up: every gated index below `items` counts, so pickItem's non-gated k maps onto the rest exactly. */
  readonly gatedItems: number;

  constructor(readonly items: number) {
    if (!Number.isInteger(items) || items < GATED_EVERY) throw new RangeError(`--items must be an integer of at least ${GATED_EVERY} (one gated build), got ${items}`);
    this.gatedItems = Math.ceil(items / GATED_EVERY);
  }

  /** The item of the next seeded result: a gated one with probability GATED_SHARE, else any other. */
  pickItem(r: () => number): number {
    if (r() < GATED_SHARE) return gatedItem(Math.floor(r() * this.gatedItems));
    // The k-th non-gated item, skipping every GATED_EVERY-th index.
    const per = GATED_EVERY - 1;
    const k = Math.floor(r() * (this.items - this.gatedItems));
    return GATED_EVERY * Math.floor(k / per) + 1 + (k % per);
  }

  itemNames(): string[] {
    return Array.from({ length: this.items }, (_, i) => itemName(i));
  }

  gatedNames(): string[] {
    return Array.from({ length: this.gatedItems }, (_, g) => itemName(gatedItem(g)));
  }
}

export const DECISION_CONTEXT = 'bench_gate';
export const PRODUCT_VERSION = 'fedora-40';
export const POLICY_TESTCASES = 30;
/** Spread over the 200 testcases, so gated results do not pile onto one corner of the testcase index. */
export const policyTestcase = (j: number): number => Math.floor((j * TESTCASES) / POLICY_TESTCASES);

/** openQA-style: a flavor is tested on one architecture and variant; the scenario names both. */
const GATED_FLAVORS = [
  { flavor: 'updates-server', variant: 'Server' },
  { flavor: 'updates-everything-boot-iso', variant: 'Everything' },
  { flavor: 'updates-workstation-live-iso', variant: 'Workstation' },
] as const;
export const GATED_SCENARIOS = GATED_FLAVORS.length;

/**
 * The `k`-th result (0-based) of gated item `itemIdx`: results walk the policy's testcases in one
 * scenario, then the next, so 90 results cover every (testcase, scenario) once and more are reruns.
 * Mostly PASSED, so some builds satisfy the policy outright, some only thanks to waivers, some not.
 */
export function gatedResult(r: () => number, itemIdx: number, item: string, n: number, k: number): SyntheticResult {
  const tc = policyTestcase(k % POLICY_TESTCASES);
  const f = GATED_FLAVORS[Math.floor(k / POLICY_TESTCASES) % GATED_FLAVORS.length]!;
  const arch = 'x86_64';
  return {
    testcase: testcaseName(tc),
    testcaseIdx: tc,
    outcome: r() < 0.99 ? 'PASSED' : 'FAILED',
    ref_url: `https://openqa.example.org/tests/${n}`,
    values: [item, 'koji_build', arch, `fedora.${f.flavor}.${arch}.64bit`, arch, f.variant],
  };
}

/** The server policy file: the bench policy plus two that a `bench_gate` decision must skip. */
export function policyYaml(): string {
  const rules = (names: string[]) => names.map((t) => `  - !PassingTestCaseRule {test_case_name: ${t}}`).join('\n');
  const required = Array.from({ length: POLICY_TESTCASES }, (_, j) => testcaseName(policyTestcase(j)));
  return `--- !Policy
id: ${DECISION_CONTEXT}
product_versions: [fedora-*]
decision_contexts: [${DECISION_CONTEXT}]
subject_type: koji_build
excluded_packages: [python2-*]
rules:
${rules(required)}
--- !Policy
id: bench_other_context
product_versions: [fedora-*]
decision_contexts: [bodhi_update_push_stable]
subject_type: koji_build
rules:
${rules([testcaseName(1), testcaseName(2)])}
--- !Policy
id: bench_rhel
product_versions: [rhel-*]
decision_contexts: [${DECISION_CONTEXT}]
subject_type: koji_build
rules:
${rules([testcaseName(3)])}
`;
}
