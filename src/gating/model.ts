/**
 * The gating vocabulary shared by the policy parser, the decision engine, the store read and the
 * routes: policies and their rules, subject types, and the outside facts (Koji builds, remote
 * gating.yaml files) a decision may need. No I/O here.
 */
import { Type, type Static } from 'typebox';

/** Requires a passing (or waived) latest result of one testcase for the subject. */
export interface PassingTestCaseRule {
  type: 'PassingTestCaseRule';
  test_case_name: string;
  /** Only results whose data `scenario` values contain this one count. */
  scenario: string | null;
  /** µs since the epoch (UTC); the rule applies to builds created at or after it. */
  valid_since: number | null;
  /** µs since the epoch (UTC); the rule applies to builds created before it. */
  valid_until: number | null;
}

/** Pulls more policies from a per-subject file (usually dist-git's gating.yaml). */
export interface RemoteRule {
  type: 'RemoteRule';
  required: boolean;
  /** URL templates; empty = the configured ones for the subject type. */
  sources: string[];
}

export type Rule = PassingTestCaseRule | RemoteRule;

/** Where a policy came from: a server policy file, a remote gating.yaml, or a request's `rules`. */
export type PolicyKind = 'server' | 'remote' | 'on-demand';

export interface Policy {
  kind: PolicyKind;
  /** Required for server policies; remote ones may have none. */
  id: string | null;
  /** fnmatch globs. */
  product_versions: string[];
  /** The obsolete single form; exactly one of decision_context / decision_contexts is set. */
  decision_context: string | null;
  decision_contexts: string[];
  /** The single form; exactly one of subject_type / subject_types (server), none = any (remote, on-demand). */
  subject_type: string | null;
  subject_types: string[];
  rules: Rule[];
  /** fnmatch globs on the NVR's package name; wins over `packages`. */
  excluded_packages: string[];
  /** Allow-list of package-name globs; empty = every package. */
  packages: string[];
  relevance_key: string | null;
  relevance_value: string | null;
  /** URL of the remote file it was read from; null for server and on-demand policies. */
  source: string | null;
  /** The file a server policy was read from (error messages, `policies check`). */
  file: string | null;
}

/** A policy's decision contexts, whichever form it used. */
export function policyContexts(p: Policy): string[] {
  return p.decision_contexts.length ? p.decision_contexts : p.decision_context !== null ? [p.decision_context] : [];
}

/** A policy's subject types, whichever form it used; empty = any. */
export function policySubjectTypes(p: Policy): string[] {
  return p.subject_types.length ? p.subject_types : p.subject_type !== null ? [p.subject_type] : [];
}

/** `{match, product_version}`: a regex and its replacement (`\1` refers to a group). */
export interface ProductVersionMatch {
  match: string;
  product_version: string;
}

/** `{item_key, keys}`: how a subject becomes a ResultsDB data query or a subject dict. */
export interface ItemDict {
  item_key?: string;
  keys?: Record<string, string>;
}

/** Greenwave's `!SubjectType`: what kind of artifact a subject is and how to find its results. */
export interface SubjectType {
  id: string;
  aliases: string[];
  /** Key identifying this type in a `subject` dict or in result data. */
  item_key: string | null;
  is_koji_build: boolean;
  is_nvr: boolean;
  ignore_missing_policy: boolean;
  product_version_match: ProductVersionMatch[];
  product_version_from_koji_build_target: ProductVersionMatch[];
  product_version: string | null;
  /** How the subject serialises (`item` compat field); empty = `{"type": id, "item": identifier}`. */
  item_dict: ItemDict;
  /** One results query per entry; empty = one query built from item_dict. */
  result_queries: ItemDict[];
}

/** A decision subject: its (canonical) type and identifier. */
export interface Subject {
  type: SubjectType;
  identifier: string;
}

/**
 * What Koji said about a build (`getBuild`): found with its source URL and creation time, not found,
 * or the lookup failed (status 502 or 504 with a message; `httpStatus` when Koji answered with an
 * unexpected HTTP status rather than being unreachable or timing out).
 */
export type KojiBuildFact =
  | { kind: 'found'; source: string | null; creation_time: string | null; task_id: number | null }
  | { kind: 'not-found' }
  | { kind: 'error'; status: number; message: string; httpStatus?: number };

/**
 * The answer to one GET of a remote rule file: found (200) with its text, missing (404), or any other
 * outcome, which fails the whole decision with `status` (502/504) and `message`.
 */
export type RemoteFileFact =
  | { kind: 'found'; body: string }
  | { kind: 'missing' }
  | { kind: 'error'; status: number; message: string };

/** Outcome classes (Greenwave's OUTCOMES_*). */
export interface OutcomeClasses {
  passed: string[];
  error: string[];
  incomplete: string[];
}

export const DEFAULT_OUTCOME_CLASSES: OutcomeClasses = {
  passed: ['PASSED', 'INFO'],
  error: ['ERROR'],
  incomplete: ['QUEUED', 'RUNNING'],
};

/** Result data keys that make results distinct for "latest" (Greenwave's DISTINCT_LATEST_RESULTS_ON). */
export const DISTINCT_LATEST_RESULTS_ON = ['scenario', 'system_architecture', 'system_variant'] as const;

/** A policy file problem, worded like Greenwave's SafeYAMLError (with file and policy named). */
export class PolicyError extends Error {}

const PvMatch = Type.Object({ match: Type.String(), product_version: Type.String() }, { additionalProperties: false });
const ItemDictSchema = Type.Object(
  { item_key: Type.Optional(Type.String()), keys: Type.Optional(Type.Record(Type.String(), Type.String())) },
  { additionalProperties: false },
);

/** A subject type as configured (Greenwave's `!SubjectType` attributes); unset ones take the defaults. */
export const SubjectTypeConfig = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    aliases: Type.Optional(Type.Array(Type.String())),
    item_key: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    is_koji_build: Type.Optional(Type.Boolean()),
    is_nvr: Type.Optional(Type.Boolean()),
    ignore_missing_policy: Type.Optional(Type.Boolean()),
    product_version_match: Type.Optional(Type.Array(PvMatch)),
    product_version_from_koji_build_target: Type.Optional(Type.Array(PvMatch)),
    product_version: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    item_dict: Type.Optional(ItemDictSchema),
    result_queries: Type.Optional(Type.Array(ItemDictSchema)),
  },
  { additionalProperties: false },
);
export type SubjectTypeConfig = Static<typeof SubjectTypeConfig>;
