import type { Subject } from './model.ts';
import { subjectDict } from './subjects.ts';

/** scenario, system_architecture and system_variant of a result (first value each, or null). */
export type ResultKeys = Record<string, string | null>;

interface Base {
  subject: Subject;
}
interface FromResult extends Base {
  testcase: string;
  source: string | null;
  resultId: number;
  keys: ResultKeys;
}

/** What evaluating one rule (or policy) for one subject found: Greenwave's "answers". */
export type Answer =
  | (FromResult & { kind: 'passed' })
  | (FromResult & { kind: 'failed' | 'incomplete' })
  | (FromResult & { kind: 'errored'; errorReason: string | null })
  | (Base & { kind: 'missing'; testcase: string; scenario: string | null; source: string | null })
  | (Base & { kind: 'excluded'; policyId: string | null; source: string | null })
  | (Base & { kind: 'fetched-gating-yaml'; source: string })
  | (Base & { kind: 'invalid-gating-yaml'; source: string; details: string })
  | (Base & { kind: 'missing-gating-yaml'; sources: string[] })
  | (Base & { kind: 'failed-fetch-gating-yaml'; sources: string[]; error: string });

/** An unsatisfied test answer that a waiver turned into a satisfied one. */
export type Waived = { kind: 'waived'; answer: Answer; waiverId: number };

export type FinalAnswer = Answer | Waived;

const SATISFIED = new Set(['passed', 'excluded', 'fetched-gating-yaml', 'waived']);
/** Problems with the remote rule file itself: a waiver removes them instead of marking them waived. */
export const GATING_YAML_PROBLEMS = new Set(['invalid-gating-yaml', 'missing-gating-yaml', 'failed-fetch-gating-yaml']);

export function isSatisfied(a: FinalAnswer): boolean {
  return SATISFIED.has(a.kind);
}

/** The testcase a waiver must name to waive this answer. */
export function answerTestcase(a: Answer): string | null {
  if ('testcase' in a) return a.testcase;
  return GATING_YAML_PROBLEMS.has(a.kind) ? a.kind : null;
}

/** The scenario a scenario-specific waiver must match. */
export function answerScenario(a: Answer): string | null {
  if (a.kind === 'missing') return a.scenario;
  if ('keys' in a) return a.keys.scenario ?? null;
  return null;
}

/** A test-type answer counts toward "N required tests"; excluded and fetched-gating-yaml do not. */
export function isTestAnswer(a: FinalAnswer): boolean {
  const kind = a.kind === 'waived' ? a.answer.kind : a.kind;
  return !['excluded', 'fetched-gating-yaml', ...GATING_YAML_PROBLEMS].includes(kind);
}

/** Greenwave's requirement object for an answer. */
export function answerJson(a: FinalAnswer): Record<string, unknown> {
  if (a.kind === 'waived') {
    const j = answerJson(a.answer);
    delete j.item;
    return { ...j, type: `${j.type}-waived`, waiver_id: a.waiverId };
  }
  const subject = { subject_type: a.subject.type.id, subject_identifier: a.subject.identifier };
  switch (a.kind) {
    case 'passed':
      return { type: 'test-result-passed', testcase: a.testcase, ...subject, source: a.source, result_id: a.resultId, ...a.keys };
    case 'failed':
    case 'incomplete':
      return {
        type: a.kind === 'failed' ? 'test-result-failed' : 'test-result-missing',
        testcase: a.testcase, ...subject, source: a.source, result_id: a.resultId, item: subjectDict(a.subject), ...a.keys,
      };
    case 'errored':
      return {
        type: 'test-result-errored', testcase: a.testcase, ...subject, source: a.source, result_id: a.resultId,
        error_reason: a.errorReason, item: subjectDict(a.subject), ...a.keys,
      };
    case 'missing':
      return { type: 'test-result-missing', testcase: a.testcase, ...subject, scenario: a.scenario, source: a.source, item: subjectDict(a.subject) };
    case 'excluded':
      return { type: 'excluded', subject_identifier: a.subject.identifier, policy: a.policyId, source: a.source };
    case 'fetched-gating-yaml':
      return { type: a.kind, testcase: a.kind, ...subject, source: a.source };
    case 'invalid-gating-yaml':
      return { type: a.kind, testcase: a.kind, ...subject, scenario: null, source: a.source, details: a.details };
    case 'missing-gating-yaml':
      return { type: a.kind, testcase: a.kind, ...subject, scenario: null, sources: a.sources };
    case 'failed-fetch-gating-yaml':
      return { type: a.kind, testcase: a.kind, ...subject, scenario: null, sources: a.sources, error: a.error };
  }
}
