/** Loading a policy directory: file order, duplicate ids, missing directories, the ./policies default. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PolicyError } from '../../src/gating/model.ts';
import { defaultPolicyDir, loadPolicyDir } from '../../src/gating/policyLoader.ts';

const root = mkdtempSync(join(tmpdir(), 'resultsdb-policies-'));
after(() => rmSync(root, { recursive: true, force: true }));

const doc = (id: string) => `--- !Policy\nid: ${id}\nproduct_versions: ['*']\ndecision_context: gate\nsubject_type: koji_build\nrules: []\n`;

let n = 0;
/** A fresh directory holding `files` (name → content). */
function dir(files: Record<string, string>): string {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

function policyError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof PolicyError && e.message === message ? true : assert.fail(`${(e as Error).message}\n!= ${message}`));
}

describe('loadPolicyDir', () => {
  it('reads *.yaml files in name order, documents in file order, and nothing else', () => {
    const d = dir({ 'b.yaml': doc('b1') + doc('b2'), 'a.yaml': doc('a1'), 'c.yml': doc('c'), 'notes.txt': 'x', '.hidden.yaml': doc('h'), 'empty.yaml': '' });
    mkdirSync(join(d, 'sub.yaml'));
    const ps = loadPolicyDir(d);
    assert.deepEqual(ps.map((p) => p.id), ['a1', 'b1', 'b2']);
    assert.deepEqual(ps.map((p) => p.file), [join(d, 'a.yaml'), join(d, 'b.yaml'), join(d, 'b.yaml')]);
    assert.ok(ps.every((p) => p.kind === 'server' && p.source === null));
  });

  it('refuses a policy id used twice, across files or within one', () => {
    const d = dir({ 'a.yaml': doc('x'), 'b.yaml': doc('y') + doc('x') });
    policyError(() => loadPolicyDir(d), `${join(d, 'b.yaml')}: Policy 'x': duplicate policy id (also in ${join(d, 'a.yaml')})`);
    const e = dir({ 'one.yaml': doc('x') + doc('x') });
    policyError(() => loadPolicyDir(e), `${join(e, 'one.yaml')}: Policy 'x': duplicate policy id (also in ${join(e, 'one.yaml')})`);
  });

  it('names the file of an invalid policy', () => {
    const d = dir({ 'a.yaml': doc('ok'), 'b.yaml': `${doc('bad')}excluded_package: [x]\n` });
    policyError(() => loadPolicyDir(d), `${join(d, 'b.yaml')}: Policy 'bad': Unknown attribute 'excluded_package'`);
  });

  it('names a missing directory, or a file given as one', () => {
    const missing = join(root, 'nope');
    policyError(() => loadPolicyDir(missing), `cannot read policy directory ${missing}: no such file or directory`);
    const d = dir({ 'a.yaml': doc('a') });
    policyError(() => loadPolicyDir(join(d, 'a.yaml')), `cannot read policy directory ${join(d, 'a.yaml')}: not a directory`);
  });

  it('an empty directory has no policies', () => {
    assert.deepEqual(loadPolicyDir(dir({})), []);
  });
});

describe('defaultPolicyDir', () => {
  it('is ./policies resolved when it exists, else null', () => {
    const cwd = process.cwd();
    const d = dir({});
    try {
      process.chdir(d);
      assert.equal(defaultPolicyDir(), null);
      mkdirSync('policies');
      assert.equal(defaultPolicyDir(), join(process.cwd(), 'policies'));
    } finally {
      process.chdir(cwd);
    }
  });
});
