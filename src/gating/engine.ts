/**
 * The gating decision as a pure function of (policies, subjects, latest results, waivers, Koji
 * builds, remote rule files, time). No I/O: a fact the engine lacks (a Koji build, a remote file)
 * is reported back as a need; the caller fetches it and evaluates again.
 */
import { fnmatch } from '../auth/permissions.ts';
import type { ResultRow } from '../results/serialize.ts';
import type { WaiverRow } from '../waivers/serialize.ts';
import { answerScenario, answerTestcase, GATING_YAML_PROBLEMS, isSatisfied, type Answer, type FinalAnswer } from './answers.ts';
import { isValidNvr, parseKojiTime, parseScmUrl } from './koji.ts';
import {
  DISTINCT_LATEST_RESULTS_ON, PolicyError, policyContexts, policySubjectTypes,
  type KojiBuildFact, type OutcomeClasses, type PassingTestCaseRule, type Policy, type RemoteFileFact,
  type RemoteRule, type Rule, type Subject,
} from './model.ts';
import { parseRemotePolicies } from './policyYaml.ts';
import { describeSubject, packageName, typeMatches } from './subjects.ts';
import { summarize } from './summary.ts';

export interface GatingSettings {
  outcomes: OutcomeClasses;
  /** URL templates per subject type id, and `*` for any. */
  remoteRulePolicies: Record<string, string | string[]>;
  /** The last fallback template (Greenwave's DIST_GIT_URL_TEMPLATE). */
  distGitUrlTemplate: string | null;
  /** Named in "Koji build not found" messages. */
  kojiUrl: string | null;
}

export interface DecisionQuery {
  productVersion: string;
  /** Requested decision contexts; null for an on-demand (`rules`) request. */
  contexts: string[] | null;
  subjects: Subject[];
  verbose: boolean;
  /** µs since the epoch: decide as of this instant; null = now. */
  when: number | null;
  ignoreResults: ReadonlySet<unknown>;
  ignoreWaivers: ReadonlySet<unknown>;
}

export interface Facts {
  /** Latest results per subject (see subjectKey) as of `when`, one block per result query, newest first. */
  results: ReadonlyMap<string, readonly ResultRow[]>;
  /** Every waiver row of the subjects for the product version filed up to `when` (current or not). */
  waivers: readonly WaiverRow[];
  koji: ReadonlyMap<string, KojiBuildFact>;
  files: ReadonlyMap<string, RemoteFileFact>;
}

export interface Decision {
  policies_satisfied: boolean;
  summary: string;
  answers: FinalAnswer[];
  /** Absent for on-demand requests. */
  applicable_policies?: (string | null)[];
  /** Verbose only: every latest result and current waiver of the subjects. */
  results?: ResultRow[];
  waivers?: WaiverRow[];
}

export type Evaluation =
  | { kind: 'decision'; decision: Decision }
  | { kind: 'needs'; koji: string[]; files: string[] };

/** A decision that cannot be made: Greenwave's HTTP error status and message. */
export class DecisionError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const subjectKey = (s: Subject) => `${s.type.id}\u0000${s.identifier}`;

/**
 * Evaluates `policies` (or the one on-demand policy) for every subject of the query. Throws
 * DecisionError for what Greenwave answers with an error (no applicable policy, missing Koji build).
 */
export function evaluate(policies: readonly Policy[], q: DecisionQuery, facts: Facts, settings: GatingSettings, now: number): Evaluation {
  const ctx = new Evaluator(q, facts, settings, now);
  const answers: Answer[] = [];
  const applicable: (string | null)[] = [];
  const verboseResults: ResultRow[] = [];
  const verboseSubjects: Subject[] = [];
  for (const subject of q.subjects) {
    const kept = policies.filter((p) => matchesRequest(p, q, subject));
    if (!kept.length) {
      if (subject.type.ignore_missing_policy) continue;
      throw new DecisionError(
        404,
        `Found no applicable policies for ${subject.type.id} subjects at gating point(s) ${(q.contexts ?? []).join(' ')} in ${q.productVersion}`,
      );
    }
    if (q.verbose) {
      verboseResults.push(...ctx.results(subject));
      verboseSubjects.push(subject);
    }
    const verified = new Set<string>();
    for (const p of kept) answers.push(...ctx.checkPolicy(p, subject, verified));
    applicable.push(...kept.map((p) => p.id));
  }
  if (ctx.needs.koji.size || ctx.needs.files.size) {
    return { kind: 'needs', koji: [...ctx.needs.koji], files: [...ctx.needs.files] };
  }
  const waivers = ctx.currentWaivers();
  const final = waive(answers, waivers);
  const decision: Decision = {
    policies_satisfied: final.every(isSatisfied),
    summary: summarize(final),
    answers: final,
  };
  if (q.contexts !== null) decision.applicable_policies = applicable;
  if (q.verbose) {
    decision.results = [...new Map(verboseResults.map((r) => [r.id, r])).values()];
    decision.waivers = waivers.filter((w) => verboseSubjects.some((s) => waiverIsFor(w, s)));
  }
  return { kind: 'decision', decision };
}

/** Context, product version and subject type; a server policy's rules always match a decision request. */
function matchesRequest(p: Policy, q: DecisionQuery, subject: Subject): boolean {
  if (q.contexts !== null && !q.contexts.some((c) => policyContexts(p).includes(c))) return false;
  if (!matchesProductVersion(p, q.productVersion)) return false;
  if (p.kind === 'on-demand') return true;
  const types = policySubjectTypes(p);
  return !types.length || types.some((t) => typeMatches(subject.type, t));
}

const matchesProductVersion = (p: Policy, pv: string) => p.product_versions.some((g) => fnmatch(pv, g));

/** A remote policy from a parent's rule file applies when it shares a context (or, on demand, a version). */
function matchesParent(parent: Policy, sub: Policy): boolean {
  if (parent.kind === 'on-demand') return parent.product_versions.some((pv) => matchesProductVersion(sub, pv));
  const contexts = policyContexts(parent);
  return policyContexts(sub).some((c) => contexts.includes(c));
}

function ruleKey(r: Rule): string {
  return r.type === 'PassingTestCaseRule'
    ? JSON.stringify([r.type, r.test_case_name, r.scenario])
    : JSON.stringify([r.type, r.required, r.sources]);
}

class Evaluator {
  readonly needs = { koji: new Set<string>(), files: new Set<string>() };

  constructor(
    private readonly q: DecisionQuery,
    private readonly facts: Facts,
    private readonly settings: GatingSettings,
    private readonly now: number,
  ) {}

  private byTestcase = new Map<string, Map<string, ResultRow[]>>();

  results(subject: Subject): ResultRow[] {
    return (this.facts.results.get(subjectKey(subject)) ?? []).filter((r) => !this.q.ignoreResults.has(r.id));
  }

  /** The subject's results of one testcase, in their order; grouped once per subject, not per rule. */
  private resultsOf(subject: Subject, testcase: string): ResultRow[] {
    const key = subjectKey(subject);
    let groups = this.byTestcase.get(key);
    if (!groups) {
      groups = new Map();
      for (const r of this.results(subject)) {
        const list = groups.get(r.testcase.name);
        if (list) list.push(r);
        else groups.set(r.testcase.name, [r]);
      }
      this.byTestcase.set(key, groups);
    }
    return groups.get(testcase) ?? [];
  }

  /** Excluded packages, the `packages` allow-list, then each rule not yet evaluated for the subject. */
  checkPolicy(p: Policy, subject: Subject, verified: Set<string>): Answer[] {
    const name = packageName(subject);
    if (name !== null) {
      if (p.excluded_packages.some((g) => fnmatch(name, g))) return [{ kind: 'excluded', subject, policyId: p.id, source: p.source }];
      if (p.packages.length && !p.packages.some((g) => fnmatch(name, g))) return [];
    }
    const answers: Answer[] = [];
    for (const rule of p.rules) {
      const key = ruleKey(rule);
      if (verified.has(key)) continue;
      verified.add(key);
      answers.push(...(rule.type === 'PassingTestCaseRule' ? this.passing(rule, p, subject) : this.remote(rule, p, subject, verified)));
    }
    return answers;
  }

  private passing(rule: PassingTestCaseRule, p: Policy, subject: Subject): Answer[] {
    if (rule.valid_since !== null || rule.valid_until !== null) {
      const created = this.creationTime(subject);
      if (created === undefined) return [];
      if (rule.valid_since !== null && created < rule.valid_since) return [];
      if (rule.valid_until !== null && rule.valid_until <= created) return [];
    }
    let results = this.resultsOf(subject, rule.test_case_name);
    if (rule.scenario !== null) results = results.filter((r) => r.data.some(([k, v]) => k === 'scenario' && v === rule.scenario));
    if (!results.length) return [{ kind: 'missing', subject, testcase: rule.test_case_name, scenario: rule.scenario, source: p.source }];
    return results.map((r) => this.classify(r, subject, rule.test_case_name, p.source));
  }

  private classify(r: ResultRow, subject: Subject, testcase: string, source: string | null): Answer {
    const keys: Record<string, string | null> = {};
    for (const k of DISTINCT_LATEST_RESULTS_ON) keys[k] = r.data.find(([dk]) => dk === k)?.[1] ?? null;
    const base = { subject, testcase, source, resultId: r.id, keys };
    const { passed, incomplete, error } = this.settings.outcomes;
    if (passed.includes(r.outcome)) return { kind: 'passed', ...base };
    if (incomplete.includes(r.outcome)) return { kind: 'incomplete', ...base };
    // ResultsDB v2.0 results carry no error_reason; Greenwave reads it from the result when present.
    if (error.includes(r.outcome)) return { kind: 'errored', ...base, errorReason: null };
    return { kind: 'failed', ...base };
  }

  /** The build's creation time (µs); undefined while Koji has not been asked yet. */
  private creationTime(subject: Subject): number | undefined {
    const build = this.kojiBuild(subject);
    if (build === undefined) return undefined;
    if (build.kind === 'not-found') {
      throw new DecisionError(404, `Failed to find Koji build for "${subject.identifier}" at "${this.settings.kojiUrl ?? ''}"`);
    }
    if (build.kind === 'error') throw new DecisionError(build.status, build.message);
    // Greenwave falls back to "now" when Koji's time cannot be parsed.
    return parseKojiTime(build.creation_time) ?? this.now;
  }

  private kojiBuild(subject: Subject): KojiBuildFact | undefined {
    if (!isValidNvr(subject.identifier)) throw new DecisionError(400, `Invalid NVR format: '${subject.identifier}'`);
    const build = this.facts.koji.get(subject.identifier);
    if (build === undefined) this.needs.koji.add(subject.identifier);
    return build;
  }

  /** Fetches the subject's rule file and evaluates the policies in it that apply. */
  private remote(rule: RemoteRule, parent: Policy, subject: Subject, verified: Set<string>): Answer[] {
    const found = this.findRemoteFile(rule, subject);
    if (found === undefined) return [];
    if (found.kind === 'answers') return found.answers;
    if (found.kind === 'missing') return rule.required ? [{ kind: 'missing-gating-yaml', subject, sources: found.urls }] : [];
    const answers: Answer[] = [{ kind: 'fetched-gating-yaml', subject, source: found.url }];
    let subPolicies: Policy[];
    try {
      subPolicies = parseRemotePolicies(found.body, found.url);
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      return [...answers, { kind: 'invalid-gating-yaml', subject, source: found.url, details: e.message }];
    }
    for (const sub of subPolicies) {
      if (!matchesParent(parent, sub) || !matchesRequest(sub, this.q, subject)) continue;
      answers.push(...this.checkPolicy(sub, subject, verified));
    }
    return answers;
  }

  /**
   * The first rule file found among the rule's URL templates: its text, "missing" everywhere, answers
   * for a failed lookup, or undefined while a fact is still needed.
   */
  private findRemoteFile(rule: RemoteRule, subject: Subject):
    | { kind: 'found'; url: string; body: string }
    | { kind: 'missing'; urls: string[] }
    | { kind: 'answers'; answers: Answer[] }
    | undefined {
    const urls: string[] = [];
    for (const template of this.templates(rule, subject)) {
      const url = this.expandTemplate(template, subject);
      if (url === undefined) return undefined;
      if (typeof url !== 'string') {
        if (url.kind === 'skip') continue;
        return { kind: 'answers', answers: [{ kind: 'failed-fetch-gating-yaml', subject, sources: urls, error: url.error }] };
      }
      urls.push(url);
      const file = this.facts.files.get(url);
      if (file === undefined) {
        this.needs.files.add(url);
        return undefined;
      }
      if (file.kind === 'error') throw new DecisionError(file.status, file.message);
      if (file.kind === 'found') return { kind: 'found', url, body: file.body };
    }
    return { kind: 'missing', urls };
  }

  private templates(rule: RemoteRule, subject: Subject): string[] {
    const conf = this.settings.remoteRulePolicies;
    const t = rule.sources.length ? rule.sources : conf[subject.type.id] ?? conf['*'] ?? this.settings.distGitUrlTemplate;
    if (!t || (Array.isArray(t) && !t.length)) {
      throw new DecisionError(502, `Cannot use a remote rule for ${describeSubject(subject)} subject as it has not been configured`);
    }
    return Array.isArray(t) ? t : [t];
  }

  /** A template with its placeholders filled; `skip` when Koji knows no source URL for the build. */
  private expandTemplate(template: string, subject: Subject):
    | string
    | { kind: 'skip' }
    | { kind: 'failed'; error: string }
    | undefined {
    const values: Record<string, string> = {};
    if (/\{(pkg_name|pkg_namespace|rev)\}/.test(template)) {
      const build = this.kojiBuild(subject);
      if (build === undefined) return undefined;
      if (build.kind === 'not-found') return { kind: 'failed', error: `Koji build not found for ${describeSubject(subject)}` };
      if (build.kind === 'error') {
        // Only Koji answering an HTTP error status is a failed fetch (B.8); Koji unreachable, timing
        // out, or faulting fails the whole decision (502/504), so that an outage is never an answer.
        if (build.httpStatus === undefined) throw new DecisionError(build.status, build.message);
        return { kind: 'failed', error: build.message };
      }
      if (!build.source) return { kind: 'skip' };
      const scm = parseScmUrl(build.source, subject.identifier, this.settings.kojiUrl ?? '');
      if ('error' in scm) return { kind: 'failed', error: scm.error };
      const name = scm.namespace === 'containers' ? scm.name.replace(/-container$/, '') : scm.name;
      Object.assign(values, { rev: scm.rev, pkg_name: name, pkg_namespace: scm.namespace ? `${scm.namespace}/` : '' });
    }
    values.subject_id = subject.identifier.startsWith('sha256:') ? subject.identifier.slice(7) : subject.identifier;
    return template.replace(/\{(pkg_name|pkg_namespace|rev|subject_id)\}/g, (_, k: string) => values[k]);
  }

  /**
   * Waivers as they stood at `when` (or now): per subject, testcase, scenario and product version the
   * newest one filed by then, if it had not expired by then and waives; ignored ids dropped after.
   */
  currentWaivers(): WaiverRow[] {
    const at = this.q.when ?? this.now;
    const newest = new Map<string, WaiverRow>();
    for (const w of this.facts.waivers) {
      if (w.timestamp > at || w.product_version !== this.q.productVersion) continue;
      const group = JSON.stringify([w.subject_type, w.subject_identifier, w.testcase, w.scenario]);
      const cur = newest.get(group);
      if (!cur || w.id > cur.id) newest.set(group, w);
    }
    return [...newest.values()]
      .filter((w) => w.waived && (w.expires_at === null || w.expires_at > at) && !this.q.ignoreWaivers.has(w.id))
      .sort((a, b) => b.timestamp - a.timestamp || b.id - a.id);
  }
}

function waiverIsFor(w: WaiverRow, s: Subject): boolean {
  return typeMatches(s.type, w.subject_type) && w.subject_identifier === s.identifier;
}

/**
 * Each unsatisfied answer is waived by the first waiver for its subject and testcase whose scenario is
 * empty or the answer's; a waived remote-rule-file problem disappears.
 */
function waive(answers: Answer[], waivers: WaiverRow[]): FinalAnswer[] {
  const out: FinalAnswer[] = [];
  for (const a of answers) {
    if (isSatisfied(a)) {
      out.push(a);
      continue;
    }
    const testcase = answerTestcase(a);
    const scenario = answerScenario(a);
    const w = waivers.find(
      (w) => waiverIsFor(w, a.subject) && w.testcase === testcase && (!w.scenario || w.scenario === scenario),
    );
    if (!w) out.push(a);
    else if (!GATING_YAML_PROBLEMS.has(a.kind)) out.push({ kind: 'waived', answer: a, waiverId: w.id });
  }
  return out;
}
