import { parseIso8601 } from '../results/times.ts';
import { DecisionError, type DecisionQuery } from './engine.ts';
import { PolicyError, type Policy, type Subject, type SubjectType } from './model.ts';
import { parseOnDemandPolicy } from './policyYaml.ts';
import { SubjectError, subjectFromDict, subjectFromTypeAndId } from './subjects.ts';

export interface DecisionRequest {
  query: DecisionQuery;
  /** The request's own policy when it gave `rules`. */
  onDemand: Policy | null;
}

const bad = (message: string) => new DecisionError(400, message);

/** Validates a POST /decision body in Greenwave's order, with its messages. */
export function parseDecisionRequest(body: unknown, types: readonly SubjectType[]): DecisionRequest {
  if (body === null || body === undefined || isEmpty(body)) throw new DecisionError(415, 'No JSON payload in request');
  if (typeof body !== 'object' || Array.isArray(body)) throw bad('Invalid JSON payload, must be an object');
  const data = body as Record<string, unknown>;
  if (!truthy(data.product_version)) throw bad('Missing required product version');
  if (typeof data.product_version !== 'string') throw bad('Invalid product version, must be a string');
  if (!truthy(data.decision_context) && !truthy(data.rules)) throw bad('Either decision_context or rules is required.');
  if (truthy(data.decision_context) && truthy(data.rules)) throw bad('Cannot have both decision_context and rules');
  let onDemand: Policy | null = null;
  let subjects: Subject[] | null = null;
  if (truthy(data.rules)) {
    subjects = parseSubjects(data, types);
    const rest = Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'subject' && k !== 'subject_type'));
    try {
      onDemand = parseOnDemandPolicy(rest);
    } catch (e) {
      if (e instanceof PolicyError) throw bad(`Failed to parse on demand policy: ${e.message}`);
      throw e;
    }
  }
  // Absent is false; an explicit null is not a bool (upstream: data.get('verbose', False)).
  const verbose = data.verbose === undefined ? false : data.verbose;
  if (typeof verbose !== 'boolean') throw bad('Invalid verbose flag, must be a bool');
  const when = parseWhen(data.when);
  return {
    onDemand,
    query: {
      productVersion: data.product_version,
      contexts: onDemand ? null : contextList(data.decision_context),
      subjects: subjects ?? parseSubjects(data, types),
      verbose,
      when,
      ignoreResults: idSet(data.ignore_result, 'ignore_result'),
      ignoreWaivers: idSet(data.ignore_waiver, 'ignore_waiver'),
    },
  };
}

/** Python truthiness of a JSON value. */
function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '' || isEmpty(v));
}

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

function contextList(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).map((c) => String(c));
}

/** Any ISO 8601 time, fraction optional, offsets converted (deviations item 11). */
function parseWhen(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const us = typeof v === 'string' ? parseIso8601(v) : null;
  if (us === null) throw bad('Invalid "when" parameter, must be in ISO8601 format');
  return us;
}

function idSet(v: unknown, field: string): Set<unknown> {
  if (v === undefined || v === null) return new Set();
  if (!Array.isArray(v)) throw bad(`Invalid ${field}, must be a list of ids`);
  return new Set(v);
}

function parseSubjects(data: Record<string, unknown>, types: readonly SubjectType[]): Subject[] {
  try {
    if ('subject' in data) {
      const list = data.subject;
      if (!Array.isArray(list) || !list.length || !list.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e))) {
        throw bad('Invalid subject, must be a list of dicts');
      }
      return list.map((d) => subjectFromDict(types, d as Record<string, unknown>));
    }
    if (!('subject_type' in data)) throw bad('Missing required "subject_type" parameter');
    if (!('subject_identifier' in data)) throw bad('Missing required "subject_identifier" parameter');
    return [subjectFromTypeAndId(types, data.subject_type, data.subject_identifier)];
  } catch (e) {
    if (e instanceof SubjectError) throw bad(e.message);
    throw e;
  }
}
