import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { flaskBody, flaskJson, objectText } from '../../src/http/json.ts';
import { quotePath } from '../../src/http/links.ts';
import { Result } from '../../src/results/schemas.ts';
import { membersJson, outcomeOfMembers, parseMembers, resultJson, resultsJson, resultsListJson, type ResultRow } from '../../src/results/serialize.ts';
import { formatTime } from '../../src/results/times.ts';
import { seededRandom } from '../helpers/random.ts';

/** The ResultsDB v2.0 result object, built the obvious way, for flaskJson to write. */
function wireObject(host: string, r: ResultRow): Record<string, unknown> {
  const data: Record<string, string[]> = Object.create(null);
  for (const [k, v] of r.data) (data[k] ??= []).push(v);
  return {
    data, groups: r.groups, href: `${host}/api/v2.0/results/${r.id}`, id: r.id, note: r.note, outcome: r.outcome, ref_url: r.ref_url,
    submit_time: formatTime(r.submit_time),
    testcase: { href: `${host}/api/v2.0/testcases/${quotePath(r.testcase.name)}`, name: r.testcase.name, ref_url: r.testcase.ref_url },
  };
}

const rnd = seededRandom(11);
const pieces = ['item', 'arch', '0', '10', '9', '__proto__', 'é', 'ключ', '😀', '"', '\\', '\n', 'a b', '/', 'x.y', ''];
const str = () => Array.from({ length: rnd(3) + 1 }, () => pieces[rnd(pieces.length)]).join('');
const maybe = () => (rnd(3) ? str() : null);

function randomRow(i: number): ResultRow {
  return {
    id: i + 1,
    submit_time: 1_700_000_000_000_000 + rnd(1_000_000_000),
    outcome: ['PASSED', 'FAILED', 'INFO'][rnd(3)]!,
    note: maybe(),
    ref_url: maybe(),
    testcase: { name: `${str()}/${str()}`, ref_url: maybe() },
    data: Array.from({ length: rnd(6) }, () => [str(), str()] as [string, string]),
    groups: Array.from({ length: rnd(3) }, () => `uuid-${rnd(100)}`),
  };
}

describe('resultJson', () => {
  it('writes what flaskJson writes for the result object, on 2,000 random results', () => {
    for (let i = 0; i < 2000; i++) {
      const row = randomRow(i);
      assert.equal(flaskBody(resultJson('http://h:1/x', row)), flaskJson(wireObject('http://h:1/x', row)), JSON.stringify(row));
    }
  });
  it('writes a stored membersJson text as it is, and parseMembers reads its fields back', () => {
    for (let i = 0; i < 2000; i++) {
      const row = randomRow(i);
      const stored = membersJson(row);
      assert.equal(resultJson('http://h', { ...row, membersJson: stored }), resultJson('http://h', row));
      const { note, outcome, ref_url } = parseMembers(stored);
      assert.deepEqual({ note, outcome, ref_url }, { note: row.note, outcome: row.outcome, ref_url: row.ref_url });
      assert.equal(outcomeOfMembers(stored), row.outcome);
    }
    // Outcomes are configured names; one needing escapes, and notes and URLs imitating the member, still read right.
    for (const outcome of ['A"B', 'C\\D', 'É', ',"outcome":"X']) {
      for (const note of [null, ',"outcome":"FAKE"', '","outcome":"FAKE']) {
        assert.equal(outcomeOfMembers(membersJson({ note, outcome, ref_url: note, submit_time: 0 })), outcome);
      }
    }
    // The text, not the row's fields, is what a page writes out.
    const row = randomRow(1);
    const other = membersJson({ ...row, outcome: 'OTHER' });
    assert.equal(JSON.parse(resultJson('http://h', { ...row, membersJson: other })).outcome, 'OTHER');
  });
  it('testcase members remembered across pages follow the host and the testcase\'s current ref_url', () => {
    const row = randomRow(3);
    const tc = (host: string, r: ResultRow) => JSON.parse(resultJson(host, r)).testcase;
    const want = (host: string, r: ResultRow) => wireObject(host, r).testcase;
    for (const host of ['http://a', 'http://b', 'http://a']) assert.deepEqual(tc(host, row), want(host, row));
    const moved = { ...row, testcase: { ...row.testcase, ref_url: 'http://new' } };
    assert.deepEqual(tc('http://a', moved), want('http://a', moved));
    // Past the number kept, everything is dropped and made again.
    for (let i = 0; i < 25_000; i++) {
      const r = { ...row, testcase: { name: `t${i}`, ref_url: null } };
      if (i % 5000 === 0) assert.deepEqual(tc(`http://h${i % 3}`, r), want(`http://h${i % 3}`, r));
      else resultJson(`http://h${i % 3}`, r);
    }
    assert.deepEqual(tc('http://a', moved), want('http://a', moved));
  });
  it('a page of them inside an object, as the results API sends it', () => {
    const rows = Array.from({ length: 5 }, (_, i) => randomRow(i));
    const text = objectText({ prev: 'null', next: JSON.stringify('http://h/n?page=1'), data: resultsJson('http://h', rows) });
    assert.equal(flaskBody(text), flaskJson({ data: rows.map((r) => wireObject('http://h', r)), next: 'http://h/n?page=1', prev: null }));
  });
  it('a list response written in one piece equals the page wrapped in its object, members before and after "data"', () => {
    const memberSets: Record<string, string>[] = [{}, { next: 'null', prev: '"http://h/p"' }, { aaa: '1', dat: '[]', datb: '{}', zzz: 'null' }, { '': '0' }];
    for (const n of [0, 1, 5]) {
      const rows = Array.from({ length: n }, (_, i) => randomRow(i));
      for (const members of memberSets) {
        assert.equal(resultsListJson('http://h', rows, members), objectText({ ...members, data: resultsJson('http://h', rows) }), JSON.stringify({ n, members }));
      }
    }
  });
  it('matches the Result schema of the OpenAPI document', () => {
    const validate = new Ajv.default({ strict: false }).compile(Result);
    for (let i = 0; i < 50; i++) {
      const body = JSON.parse(resultJson('http://h', randomRow(i)));
      assert.ok(validate(body), JSON.stringify(validate.errors));
    }
  });
});
