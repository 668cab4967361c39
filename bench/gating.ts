// The Greenwave decision workloads: the policy file the server loads, the decision scenarios, and a
// loud check before measuring that decisions really evaluate the bench policy against seeded data.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DECISION_CONTEXT, POLICY_TESTCASES, PRODUCT_VERSION, gatedItem, itemName, policyTestcase, policyYaml, testcaseName, type Shape } from './data.ts';
import { rotate, type Scenario } from './scenarios.ts';

export const DECISION_PATH = '/api/v1.0/decision';

/** Writes the policy file into a fresh directory for `serve --policies`; `remove` deletes it. */
export function writePolicies(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'resultsdb-bench-policies-'));
  writeFileSync(join(dir, 'bench.yaml'), policyYaml());
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const decisionBody = (nvr: string, verbose: boolean, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    decision_context: DECISION_CONTEXT,
    product_version: PRODUCT_VERSION,
    subject_type: 'koji_build',
    subject_identifier: nvr,
    verbose,
    ...extra,
  });

const POLICY_NAMES = Array.from({ length: POLICY_TESTCASES }, (_, j) => testcaseName(policyTestcase(j)));

/** One body per gated build, rotated in shuffled order like the GET scenarios' paths. */
function decisions(shape: Shape, name: string, verbose: boolean, seed: number, connections?: number): Scenario {
  const next = rotate(shape.gatedNames().map((nvr) => decisionBody(nvr, verbose)), seed);
  return { name, method: 'POST', readOnly: true, connections, next: () => ({ path: DECISION_PATH, body: next() }) };
}

/**
 * The same plain questions, each made new by ignoring a waiver id no waiver has: the answer is the
 * same, but the server's decision cache has never seen the question, so every one is computed.
 */
function uncachedDecisions(shape: Shape, name: string, seed: number): Scenario {
  const next = rotate(shape.gatedNames(), seed);
  let n = 0;
  return {
    name,
    method: 'POST',
    readOnly: true,
    next: () => ({ path: DECISION_PATH, body: decisionBody(next(), false, { ignore_waiver: [-++n] }) }),
  };
}

export function decisionScenarios(shape: Shape): Scenario[] {
  return [
    // Every gated build (one item in ten: 500 at the default 200,000 results) asked again and again,
    // as Bodhi and bots do: after the warm-up, answered from the decision cache once one token
    // statement shows nothing changed.
    decisions(shape, 'decision', false, 11),
    uncachedDecisions(shape, 'decision_uncached', 14),
    decisions(shape, 'decision_verbose', true, 12),
    // The latency of one verbose decision with nothing else queued in front of it.
    decisions(shape, 'decision_verbose_1conn', true, 13, 1),
  ];
}

interface Requirement {
  type: string;
  testcase?: string;
}
interface DecisionAnswer {
  policies_satisfied?: boolean;
  summary?: string;
  applicable_policies?: string[];
  satisfied_requirements?: Requirement[];
  unsatisfied_requirements?: Requirement[];
  results?: unknown[];
  waivers?: unknown[];
}

/** What a sample of decisions looked like: the mix the bench measured. */
export interface DecisionMix {
  sampled: number;
  requirements_per_decision: number;
  /** Verbose answers: latest results and current waivers per decision, on average. */
  results_per_verbose_decision: number;
  waivers_per_verbose_decision: number;
  policies_satisfied: number;
  satisfied_thanks_to_waivers: number;
  with_failed: number;
  with_missing: number;
}

export class DecisionCheckError extends Error {}

async function decide(base: string, nvr: string, verbose: boolean): Promise<DecisionAnswer> {
  const res = await fetch(base + DECISION_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: decisionBody(nvr, verbose),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new DecisionCheckError(`decision for ${nvr} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as DecisionAnswer;
}

/**
 * Fails unless decisions answer 200 from the bench policy with requirements on its 30 testcases (a policy
 * that did not load answers 404, or 200 with no requirements).
 */
export async function checkDecisions(base: string, shape: Shape, sample = 50): Promise<DecisionMix> {
  const mix: DecisionMix = {
    sampled: 0, requirements_per_decision: 0, results_per_verbose_decision: 0, waivers_per_verbose_decision: 0,
    policies_satisfied: 0, satisfied_thanks_to_waivers: 0, with_failed: 0, with_missing: 0,
  };
  const step = Math.max(1, Math.floor(shape.gatedItems / sample));
  let results = 0;
  let waivers = 0;
  for (let g = 0; g < shape.gatedItems && mix.sampled < sample; g += step) {
    const nvr = itemName(gatedItem(g));
    const d = await decide(base, nvr, false);
    const sat = d.satisfied_requirements ?? [];
    const unsat = d.unsatisfied_requirements ?? [];
    const n = sat.length + unsat.length;
    // One requirement per policy testcase and scenario seen (Greenwave answers every distinct latest
    // result), one per testcase without results: every policy testcase, and only those, must appear.
    const seen = new Set([...sat, ...unsat].map((r) => r.testcase));
    const missing = POLICY_NAMES.filter((t) => !seen.has(t));
    const extra = [...seen].filter((t) => !POLICY_NAMES.includes(t as string));
    if (!d.applicable_policies?.includes(DECISION_CONTEXT) || missing.length || extra.length || n < POLICY_TESTCASES) {
      throw new DecisionCheckError(
        `decision for ${nvr}: expected policy ${DECISION_CONTEXT} with requirements on its ${POLICY_TESTCASES} testcases, got ` +
          `applicable_policies ${JSON.stringify(d.applicable_policies)}, ${n} requirements (testcases missing: ` +
          `${missing.length}, unexpected: ${JSON.stringify(extra.slice(0, 5))}), summary ${JSON.stringify(d.summary)}`,
      );
    }
    const v = await decide(base, nvr, true);
    // Well below the default 40 results per item, some gated builds get fewer results than the policy has
    // testcases and cannot cover them all: missing ones are counted.
    if (!Array.isArray(v.results) || !Array.isArray(v.waivers) || v.results.length === 0) {
      throw new DecisionCheckError(
        `verbose decision for ${nvr}: expected results and waivers, got ` +
          `${Array.isArray(v.results) ? v.results.length : 'no'} results, ${Array.isArray(v.waivers) ? v.waivers.length : 'no'} waivers`,
      );
    }
    mix.sampled++;
    mix.requirements_per_decision += n;
    results += v.results.length;
    waivers += v.waivers.length;
    if (d.policies_satisfied) mix.policies_satisfied++;
    if (d.policies_satisfied && sat.some((r) => r.type.endsWith('-waived'))) mix.satisfied_thanks_to_waivers++;
    if (unsat.some((r) => r.type === 'test-result-failed')) mix.with_failed++;
    if (unsat.some((r) => r.type === 'test-result-missing')) mix.with_missing++;
  }
  const avg = (x: number) => Math.round((x / mix.sampled) * 10) / 10;
  mix.requirements_per_decision = avg(mix.requirements_per_decision);
  mix.results_per_verbose_decision = avg(results);
  mix.waivers_per_verbose_decision = avg(waivers);
  return mix;
}
