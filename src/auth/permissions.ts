import { HttpError } from '../http/errors.ts';
import type { Identity, Permission } from './identity.ts';

const cache = new Map<string, RegExp>();

/**
 * Python's fnmatch.fnmatchcase: `*`, `?`, `[seq]`, `[!seq]`, case-sensitive, whole name. An
 * unclosed `[` is a literal, as in Python.
 */
export function fnmatch(name: string, pattern: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${translate(pattern)})$`);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(name);
}

function translate(pat: string): string {
  let out = '';
  let i = 0;
  while (i < pat.length) {
    const c = pat[i++];
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) {
        out += '\\[';
        continue;
      }
      let body = pat.slice(i, j);
      i = j + 1;
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      // Inside a class only backslash, brackets and a leading caret are special to JS.
      body = body.replace(/[\\[\]]/g, '\\$&').replace(/^\^/, '\\^');
      out += body === '' ? (negate ? '[\\s\\S]' : '(?!)') : `[${negate ? '^' : ''}${body}]`;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

/** Entries applying to a testcase: some `testcases` glob matches and no `testcases_ignore` glob does. */
export function matchingPermissions(testcase: string, permissions: readonly Permission[]): Permission[] {
  return permissions.filter(
    (p) => !(p.testcases_ignore ?? []).some((g) => fnmatch(testcase, g)) && p.testcases.some((g) => fnmatch(testcase, g)),
  );
}

/**
 * WaiverDB 1.3's rule: no entries at all lets any authenticated user through; otherwise the user, or
 * one of the groups the authentication method vouches for, must be listed in an applicable entry.
 */
export function isAllowed(identity: Pick<Identity, 'user' | 'groups'>, testcase: string, permissions: readonly Permission[]): boolean {
  if (permissions.length === 0) return true;
  const applicable = matchingPermissions(testcase, permissions);
  if (applicable.some((p) => (p.users ?? []).includes(identity.user))) return true;
  const groups = new Set(applicable.flatMap((p) => p.groups ?? []));
  return (identity.groups ?? []).some((g) => groups.has(g));
}

export function verifyAuthorization(identity: Pick<Identity, 'user' | 'groups'>, testcase: string, permissions: readonly Permission[]): void {
  if (!isAllowed(identity, testcase, permissions)) {
    // Upstream's wording, "submit results" included, which clients may match on.
    throw new HttpError(403, `User ${identity.user} is not authorized to submit results for the test case ${testcase}`);
  }
}
