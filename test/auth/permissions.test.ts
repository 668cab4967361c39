import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Permission } from '../../src/auth/identity.ts';
import { isAllowed, matchingPermissions, verifyAuthorization } from '../../src/auth/permissions.ts';
import { HttpError } from '../../src/http/errors.ts';

const names = (testcase: string, perms: Permission[]) => matchingPermissions(testcase, perms).map((p) => p.name);
const entry = (name: string, testcases: string[], more: Partial<Permission> = {}): Permission => ({ name, testcases, ...more });

describe('matchingPermissions (fnmatch, case-sensitive)', () => {
  it('* matches any run of characters, dots and slashes included, or none', () => {
    const perms = [entry('star', ['dist.*']), entry('all', ['*'])];
    assert.deepEqual(names('dist.rpmlint', perms), ['star', 'all']);
    assert.deepEqual(names('dist.', perms), ['star', 'all']);
    assert.deepEqual(names('dist.a/b.c', perms), ['star', 'all']);
    assert.deepEqual(names('distx', perms), ['all']);
    assert.deepEqual(names('', perms), ['all']);
  });

  it('? matches exactly one character', () => {
    const perms = [entry('q', ['test?'])];
    assert.deepEqual(names('test1', perms), ['q']);
    assert.deepEqual(names('test', perms), []);
    assert.deepEqual(names('test12', perms), []);
  });

  it('[seq] and [!seq] match one character in / not in the set, ranges included', () => {
    const perms = [entry('seq', ['v[0-2]']), entry('neg', ['v[!0-2]'])];
    assert.deepEqual(names('v1', perms), ['seq']);
    assert.deepEqual(names('v7', perms), ['neg']);
    assert.deepEqual(names('vx', perms), ['neg']);
    assert.deepEqual(names('v', perms), []);
    assert.deepEqual(names('v12', perms), []);
  });

  it('everything else is literal: regex characters, and an unclosed [', () => {
    const perms = [entry('lit', ['a.b+c(d)|e$^']), entry('open', ['x[y'])];
    assert.deepEqual(names('a.b+c(d)|e$^', perms), ['lit']);
    assert.deepEqual(names('aXb+c(d)|e$^', perms), []);
    assert.deepEqual(names('x[y', perms), ['open']);
    assert.deepEqual(names('xy', perms), []);
  });

  it('matches the whole name, case-sensitively', () => {
    const perms = [entry('e', ['dist.rpmlint'])];
    assert.deepEqual(names('dist.rpmlint', perms), ['e']);
    assert.deepEqual(names('Dist.RPMLint', perms), []);
    assert.deepEqual(names('xdist.rpmlint', perms), []);
    assert.deepEqual(names('dist.rpmlintx', perms), []);
  });

  it('an entry applies when any testcases glob matches and no testcases_ignore glob does', () => {
    const perms = [entry('e', ['dist.*', 'fedora-ci.*'], { testcases_ignore: ['dist.abicheck', '*.secret.*'] })];
    assert.deepEqual(names('dist.rpmlint', perms), ['e']);
    assert.deepEqual(names('fedora-ci.koji', perms), ['e']);
    assert.deepEqual(names('dist.abicheck', perms), []);
    assert.deepEqual(names('fedora-ci.secret.x', perms), []);
  });
});

describe('isAllowed / verifyAuthorization', () => {
  const perms: Permission[] = [
    entry('dist', ['dist.*'], { users: ['alice'], groups: ['qa'], testcases_ignore: ['dist.private'] }),
    entry('depcheck', ['dist.depcheck'], { users: ['bob'], groups: ['packager'] }),
    entry('any', ['*'], { users: ['root'] }),
  ];

  it('no entries at all: every authenticated user may submit anything', () => {
    assert.equal(isAllowed({ user: 'nobody', groups: null }, 'whatever', []), true);
  });

  it('a user listed in an applicable entry is allowed', () => {
    assert.equal(isAllowed({ user: 'alice', groups: null }, 'dist.rpmlint', perms), true);
    assert.equal(isAllowed({ user: 'root', groups: [] }, 'anything.else', perms), true);
  });

  it('users and groups are the union over every applicable entry', () => {
    assert.equal(isAllowed({ user: 'alice', groups: null }, 'dist.depcheck', perms), true);
    assert.equal(isAllowed({ user: 'bob', groups: null }, 'dist.depcheck', perms), true);
    assert.equal(isAllowed({ user: 'x', groups: ['packager'] }, 'dist.depcheck', perms), true);
    assert.equal(isAllowed({ user: 'x', groups: ['qa'] }, 'dist.depcheck', perms), true);
    // bob's entry does not apply to rpmlint
    assert.equal(isAllowed({ user: 'bob', groups: ['packager'] }, 'dist.rpmlint', perms), false);
  });

  it('a group the identity vouches for is allowed; null groups means no groups', () => {
    assert.equal(isAllowed({ user: 'carol', groups: ['other', 'qa'] }, 'dist.rpmlint', perms), true);
    assert.equal(isAllowed({ user: 'carol', groups: null }, 'dist.rpmlint', perms), false);
    assert.equal(isAllowed({ user: 'carol', groups: ['QA'] }, 'dist.rpmlint', perms), false, 'group names are case-sensitive');
  });

  it('a user name is not a group, nor a group a user name', () => {
    assert.equal(isAllowed({ user: 'qa', groups: null }, 'dist.rpmlint', perms), false);
    assert.equal(isAllowed({ user: 'carol', groups: ['alice'] }, 'dist.rpmlint', perms), false);
  });

  it('an ignored testcase gets nothing from that entry', () => {
    assert.equal(isAllowed({ user: 'alice', groups: ['qa'] }, 'dist.private', perms), false);
    assert.equal(isAllowed({ user: 'root', groups: null }, 'dist.private', perms), true);
  });

  it('no applicable entry denies everyone', () => {
    const only = [entry('dist', ['dist.*'], { users: ['alice'] })];
    assert.equal(isAllowed({ user: 'alice', groups: null }, 'other.test', only), false);
  });

  it('verifyAuthorization throws 403 with upstream wording, and passes when allowed', () => {
    assert.doesNotThrow(() => verifyAuthorization({ user: 'alice', groups: null }, 'dist.rpmlint', perms));
    assert.throws(
      () => verifyAuthorization({ user: 'carol', groups: ['x'] }, 'dist.rpmlint', perms),
      (e: unknown) => {
        assert.ok(e instanceof HttpError);
        assert.equal(e.status, 403);
        assert.equal(e.message, 'User carol is not authorized to submit results for the test case dist.rpmlint');
        return true;
      },
    );
  });
});
