/** Builders for the pure engine tests: policies, results, waivers, facts. */
import type { Facts, GatingSettings, DecisionQuery } from '../../src/gating/engine.ts';
import { DEFAULT_OUTCOME_CLASSES, type Policy, type Rule, type Subject } from '../../src/gating/model.ts';
import { BUILTIN_SUBJECT_TYPES, findSubjectType } from '../../src/gating/subjects.ts';
import type { ResultRow } from '../../src/results/serialize.ts';
import type { WaiverRow } from '../../src/waivers/serialize.ts';
import { subjectKey } from '../../src/gating/engine.ts';

export const T0 = Date.UTC(2024, 0, 1) * 1000;
export const HOUR = 3600e6;

export function policy(p: Partial<Policy> & { id: string }): Policy {
  return {
    kind: 'server', product_versions: ['fedora-*'], decision_context: null, decision_contexts: ['gate'],
    subject_type: 'koji_build', subject_types: [], rules: [], excluded_packages: [], packages: [],
    relevance_key: null, relevance_value: null, source: null, file: 'test.yaml', ...p,
  };
}

export const passing = (name: string, extra: Partial<Extract<Rule, { type: 'PassingTestCaseRule' }>> = {}): Rule => ({
  type: 'PassingTestCaseRule', test_case_name: name, scenario: null, valid_since: null, valid_until: null, ...extra,
});
export const remote = (extra: Partial<Extract<Rule, { type: 'RemoteRule' }>> = {}): Rule => ({ type: 'RemoteRule', required: false, sources: [], ...extra });

export const koji = (nvr: string): Subject => ({ type: findSubjectType(BUILTIN_SUBJECT_TYPES, 'koji_build'), identifier: nvr });
export const ofType = (type: string, id: string): Subject => ({ type: findSubjectType(BUILTIN_SUBJECT_TYPES, type), identifier: id });

let nextId = 1;
export function result(testcase: string, outcome: string, opts: { id?: number; at?: number; data?: [string, string][] } = {}): ResultRow {
  return {
    id: opts.id ?? nextId++, submit_time: opts.at ?? T0, outcome, note: null, ref_url: null,
    testcase: { name: testcase, ref_url: null }, data: opts.data ?? [], groups: [],
  };
}

let nextWaiver = 1;
export function waiver(s: Subject, testcase: string, opts: Partial<WaiverRow> = {}): WaiverRow {
  return {
    id: nextWaiver++, subject_type: s.type.id, subject_identifier: s.identifier, testcase, scenario: null,
    product_version: 'fedora-40', waived: 1, username: 'alice', proxied_by: null, comment: 'ok',
    timestamp: T0 + HOUR, expires_at: null, ...opts,
  };
}

export const settings: GatingSettings = {
  outcomes: DEFAULT_OUTCOME_CLASSES,
  remoteRulePolicies: { '*': 'https://git.example.com/{pkg_namespace}{pkg_name}/raw/{rev}/gating.yaml' },
  distGitUrlTemplate: null,
  kojiUrl: 'https://koji.example.com/kojihub',
};

export function query(subjects: Subject[], q: Partial<DecisionQuery> = {}): DecisionQuery {
  return { productVersion: 'fedora-40', contexts: ['gate'], subjects, verbose: false, when: null, ignoreResults: new Set(), ignoreWaivers: new Set(), ...q };
}

export function facts(results: [Subject, ResultRow[]][], f: Partial<Facts> = {}): Facts {
  return { results: new Map(results.map(([s, r]) => [subjectKey(s), r])), waivers: [], koji: new Map(), files: new Map(), ...f };
}
