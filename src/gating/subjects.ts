import type { ItemDict, Subject, SubjectType } from './model.ts';

/** Every attribute at Greenwave's default; `id` alone is required. */
export function subjectType(attrs: Partial<SubjectType> & { id: string }): SubjectType {
  return {
    aliases: [],
    item_key: null,
    is_koji_build: false,
    is_nvr: false,
    ignore_missing_policy: false,
    product_version_match: [],
    product_version_from_koji_build_target: [],
    product_version: null,
    item_dict: {},
    result_queries: [],
    ...attrs,
  };
}

/** The subject types Greenwave ships (conf/subject_types), by id. */
export const BUILTIN_SUBJECT_TYPES: readonly SubjectType[] = [
  subjectType({ id: 'bodhi_update', ignore_missing_policy: true }),
  subjectType({
    id: 'compose',
    item_key: 'productmd.compose.id',
    item_dict: { item_key: 'productmd.compose.id' },
    product_version_match: [{ match: '^(RHEL-\\d*)\\..*', product_version: '\\1' }],
  }),
  subjectType({
    id: 'koji_build',
    aliases: ['brew-build'],
    is_koji_build: true,
    is_nvr: true,
    item_key: 'original_spec_nvr',
    result_queries: [
      { item_key: 'item', keys: { type: 'koji_build,brew-build' } },
      { item_key: 'original_spec_nvr' },
    ],
    product_version_from_koji_build_target: [
      { match: '^(rhel-\\d+\\.\\d+).*', product_version: '\\1' },
      { match: '^(rhel-\\d+).*', product_version: '\\1' },
    ],
  }),
  subjectType({
    id: 'redhat-container-image',
    product_version: 'rhel-8',
    is_koji_build: true,
    is_nvr: true,
    item_key: 'nvr',
    result_queries: [
      { item_key: 'nvr', keys: { type: 'redhat-container-image' } },
      { item_key: 'item', keys: { type: 'koji_build' } },
    ],
  }),
  subjectType({ id: 'redhat-module', product_version: 'rhel-8' }),
];

/** Built-in types, then configured ones; a configured type replaces the built-in of the same id. */
export function mergeSubjectTypes(extra: readonly SubjectType[]): SubjectType[] {
  const ids = new Set(extra.map((t) => t.id));
  return [...BUILTIN_SUBJECT_TYPES.filter((t) => !ids.has(t.id)), ...extra];
}

export function typeMatches(t: SubjectType, id: string): boolean {
  return t.id === id || t.aliases.includes(id);
}

/** A type by id or alias; an unknown one is Greenwave's generic type (Koji-able, not an NVR). */
export function findSubjectType(types: readonly SubjectType[], id: string): SubjectType {
  return types.find((t) => typeMatches(t, id)) ?? subjectType({ id, is_koji_build: true });
}

export class SubjectError extends Error {}

/**
 * A subject from a ResultsDB-style dict (`{"type": "koji_build", "item": NVR}`,
 * `{"productmd.compose.id": ID}`): the first type whose item_key is in the dict (and whose id is the
 * dict's `type`, when given), else `type` + `item`.
 */
export function subjectFromDict(types: readonly SubjectType[], d: Record<string, unknown>): Subject {
  const typeId = d.type;
  for (const t of types) {
    if (typeId && t.id !== typeId) continue;
    if (!t.item_key) continue;
    const item = d[t.item_key];
    if (!item) continue;
    return { type: t, identifier: checkIdentifier(item) };
  }
  if (typeId && d.item) return subjectFromTypeAndId(types, typeId, d.item);
  throw new SubjectError('Could not detect subject_identifier');
}

export function subjectFromTypeAndId(types: readonly SubjectType[], typeId: unknown, identifier: unknown): Subject {
  return { type: findSubjectType(types, String(typeId)), identifier: checkIdentifier(identifier) };
}

function checkIdentifier(v: unknown): string {
  if (typeof v !== 'string') throw new SubjectError('Subject item/identificator must be a string');
  return v;
}

function expand(d: ItemDict, item: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (d.item_key) out[d.item_key] = item;
  for (const [k, v] of Object.entries(d.keys ?? {})) out[k] = String(v);
  return out;
}

/** The subject as a dict (the deprecated `item` field of requirements). */
export function subjectDict(s: Subject): Record<string, string> {
  if (s.type.item_dict.item_key || s.type.item_dict.keys) return expand(s.type.item_dict, s.identifier);
  return { type: s.type.id, item: s.identifier };
}

/** Result data filters, one set per query; a comma in a value ORs alternatives, as ResultsDB does. */
export function resultQueries(s: Subject): Record<string, string>[] {
  return s.type.result_queries.length ? s.type.result_queries.map((q) => expand(q, s.identifier)) : [subjectDict(s)];
}

/** NVR minus version and release, for NVR-typed subjects; null otherwise. */
export function packageName(s: Subject): string | null {
  if (!s.type.is_nvr) return null;
  // Python's rsplit('-', 2)[0]
  const parts = s.identifier.split('-');
  return parts.slice(0, Math.max(1, parts.length - 2)).join('-');
}

/** How Greenwave names a subject in messages. */
export function describeSubject(s: Subject): string {
  return `subject_type '${s.type.id}', subject_identifier '${s.identifier}'`;
}

/** Greenwave's /subject_types form of a type: every attribute. */
export function subjectTypeToJson(t: SubjectType): Record<string, unknown> {
  return { ...t };
}
