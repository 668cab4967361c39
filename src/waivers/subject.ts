/**
 * The legacy `subject` dict of WaiverDB < 0.11 (ResultsDB-style result data) and the
 * (subject_type, subject_identifier) pair waivers are stored with.
 */
export interface SubjectDict {
  type?: string | null;
  item?: string | null;
  original_spec_nvr?: string | null;
  'productmd.compose.id'?: string | null;
}

/**
 * Upstream's subject_dict_to_type_identifier: the special cases first, then the general
 * `{type, item}`. Null when nothing usable is given; the type is null for a bare `{item}`.
 */
export function subjectToTypeIdentifier(s: SubjectDict): { type: string | null; identifier: string } | null {
  const str = (v: unknown): v is string => typeof v === 'string';
  if ((s.type === 'koji_build' || s.type === 'brew-build') && str(s.item)) return { type: 'koji_build', identifier: s.item };
  if (str(s.original_spec_nvr)) return { type: 'koji_build', identifier: s.original_spec_nvr };
  if (str(s['productmd.compose.id'])) return { type: 'compose', identifier: s['productmd.compose.id'] };
  if (str(s.item)) return { type: str(s.type) ? s.type : null, identifier: s.item };
  return null;
}

/** The backwards-compatible `subject` of every waiver in responses. */
export function subjectDict(type: string, identifier: string): Record<string, string> {
  return type === 'compose' ? { 'productmd.compose.id': identifier } : { type, item: identifier };
}

/** Subject, testcase and scenario of a waiver submitted by result id, from the result's data. */
export function subjectFromResult(
  data: readonly [string, string][],
  testcase: string,
): { subject_type: string; subject_identifier: string; testcase: string; scenario: string | null } | null {
  const firstOf = (key: string) => data.find(([k]) => k === key)?.[1];
  const nvr = firstOf('original_spec_nvr');
  const type = firstOf('type');
  const item = firstOf('item');
  let subject: [string, string];
  if (nvr !== undefined) subject = ['koji_build', nvr];
  // Upstream fails with a KeyError (500) on a `type` without `item`; that is "no usable data" here.
  else if (type !== undefined && item !== undefined) subject = [type === 'brew-build' ? 'koji_build' : type, item];
  else return null;
  return { subject_type: subject[0], subject_identifier: subject[1], testcase, scenario: firstOf('scenario') ?? null };
}
