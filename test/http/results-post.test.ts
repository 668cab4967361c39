/** POST /api/v2.0/results: validation messages, upserts, data stringification, submit_time forms (§2.6). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import {
  assertValidation, get, getOk, OUTCOME_MSG, post, postResult, resultBody, rowCounts, type Res, V2,
} from '../helpers/http.ts';

const URL_ = '/api/v2.0/results';
const UUID1 = /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NON_EMPTY = 'Value error, testcase name must be non-empty';
const submitMsg = (repr: string) =>
  `Value error, Expected timestamp in milliseconds or datetime (in format YYYY-MM-DDTHH:MM:SS.ffffff), got ${repr}`;

for (const kind of STORE_KINDS) {
  describe(`POST /results (${kind})`, async () => {
    let app: TestApp;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
    });
    after(() => app?.dispose());

    /** POSTs a body that must be refused, and proves that no table gained a row. */
    async function rejected(payload: unknown): Promise<Res> {
      const before = await rowCounts(app);
      const r = await post(app, URL_, payload);
      assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
      assert.deepEqual(await rowCounts(app), before, `rows written by ${JSON.stringify(payload)}`);
      return r;
    }

    it('a full result is answered 201 with the exact serialized result, equal to a later GET', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await post(app, URL_, {
        testcase: { name: 'post.full', ref_url: 'http://tc/full' },
        outcome: 'passed',
        note: 'a note',
        ref_url: 'http://log/1',
        data: { item: 'foo-1.0-1.fc40', arch: ['x86_64', 'noarch'] },
        groups: ['post-full-group'],
        submit_time: 1661324097123,
        _auth_token: 'ignored', // unknown keys are ignored (old clients send these)
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(typeof r.json.id, 'number');
      const expected = resultBody({
        id: r.json.id,
        testcase: 'post.full',
        tcRef: 'http://tc/full',
        outcome: 'PASSED',
        submit_time: '2022-08-24T06:54:57.123000',
        data: { arch: ['x86_64', 'noarch'], item: ['foo-1.0-1.fc40'] },
        groups: ['post-full-group'],
        note: 'a note',
        ref_url: 'http://log/1',
      });
      assert.deepEqual(r.json, expected);
      assert.deepEqual(await getOk(app, `/api/v2.0/results/${r.json.id}`), expected);
    });

    it('a minimal result: testcase as a string, outcome stripped and upper-cased, nulls accepted', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await postResult(app, { testcase: 'post.minimal', outcome: ' failed ', note: null, ref_url: null, data: null, groups: null });
      assert.equal(r.outcome, 'FAILED');
      assert.deepEqual(r.data, {});
      assert.deepEqual(r.groups, []);
      assert.equal(r.note, null);
      assert.equal(r.ref_url, null);
      assert.deepEqual(r.testcase, { href: `${V2}/testcases/post.minimal`, name: 'post.minimal', ref_url: null });
    });

    it('configured and default extra outcomes are accepted', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const [sent, stored] of [['AMAZING', 'AMAZING'], ['amazing', 'AMAZING'], ['queued', 'QUEUED'], ['RUNNING', 'RUNNING'], ['Error', 'ERROR'], ['needs_inspection', 'NEEDS_INSPECTION'], ['info', 'INFO']]) {
        assert.equal((await postResult(app, { testcase: 'post.outcomes', outcome: sent })).outcome, stored);
      }
    });

    describe('validation messages (exact bodies), nothing stored', () => {
      const cases: [string, Record<string, unknown>, { input: unknown; loc: string[]; msg: string; type: string }][] = [
        ['missing outcome', { testcase: 'v.tc' }, { input: { testcase: 'v.tc' }, loc: ['outcome'], msg: 'Field required', type: 'missing' }],
        ['empty outcome', { testcase: 'v.tc', outcome: '' }, { input: '', loc: ['outcome'], msg: 'String should have at least 1 character', type: 'string_too_short' }],
        ['unknown outcome', { testcase: 'v.tc', outcome: 'BOGUS' }, { input: 'BOGUS', loc: ['outcome'], msg: OUTCOME_MSG, type: 'value_error' }],
        ['missing testcase', { outcome: 'PASSED' }, { input: { outcome: 'PASSED' }, loc: ['testcase'], msg: 'Field required', type: 'missing' }],
        ['empty testcase string', { outcome: 'PASSED', testcase: '' }, { input: '', loc: ['testcase'], msg: NON_EMPTY, type: 'value_error' }],
        ['empty testcase object', { outcome: 'PASSED', testcase: {} }, { input: {}, loc: ['testcase'], msg: NON_EMPTY, type: 'value_error' }],
        ['empty testcase name', { outcome: 'PASSED', testcase: { name: '' } }, { input: { name: '' }, loc: ['testcase'], msg: NON_EMPTY, type: 'value_error' }],
        ['testcase a number', { outcome: 'PASSED', testcase: 5 }, { input: 5, loc: ['testcase'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
        ['testcase a list', { outcome: 'PASSED', testcase: ['x'] }, { input: ['x'], loc: ['testcase'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
        ['note a number', { outcome: 'PASSED', testcase: 'v.tc', note: 5 }, { input: 5, loc: ['note'], msg: 'Input should be a valid string', type: 'string_type' }],
        ['ref_url a number', { outcome: 'PASSED', testcase: 'v.tc', ref_url: 5 }, { input: 5, loc: ['ref_url'], msg: 'Input should be a valid string', type: 'string_type' }],
        ['data a string', { outcome: 'PASSED', testcase: 'v.tc', data: 'x' }, { input: 'x', loc: ['data'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
        ['groups a string', { outcome: 'PASSED', testcase: 'v.tc', groups: 'g1' }, { input: 'g1', loc: ['groups'], msg: 'Input should be a valid list', type: 'list_type' }],
      ];
      for (const [name, body, error] of cases) {
        it(name, async (t) => {
          if (!app) return t.skip('PostgreSQL unavailable');
          assertValidation(await rejected(body), [error]);
        });
      }

      it('missing outcome and empty testcase give two entries, outcome first', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assertValidation(await rejected({ testcase: '' }), [
          { input: { testcase: '' }, loc: ['outcome'], msg: 'Field required', type: 'missing' },
          { input: '', loc: ['testcase'], msg: NON_EMPTY, type: 'value_error' },
        ]);
      });

      it('every failing field is reported once, outcome and testcase first', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const r = await rejected({ outcome: '', testcase: 5, groups: 'g', note: 5, data: 'x', ref_url: 5, submit_time: 'now' });
        assert.equal(r.status, 400);
        const locs = r.json.validation_error.map((e: { loc: string[] }) => e.loc[0]);
        assert.deepEqual(locs.slice(0, 2), ['outcome', 'testcase']);
        assert.deepEqual([...locs].sort(), ['data', 'groups', 'note', 'outcome', 'ref_url', 'submit_time', 'testcase']);
      });
    });

    it('a groups item that is neither a string nor an object is a 400 naming groups (deviation 2)', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const groups of [[5], [null], [['x']], ['ok-group', true]]) {
        const r = await rejected({ testcase: 'post.badgroup', outcome: 'PASSED', groups });
        assert.equal(r.status, 400, JSON.stringify(groups));
        assert.equal(r.headers['content-type'], 'application/json');
        const errs = r.json.validation_error;
        assert.equal(errs.length, 1, r.text);
        assert.equal(errs[0].loc[0], 'groups');
        assert.equal(errs[0].loc[1], groups.length - 1);
      }
      const obj = await rejected({ testcase: 'post.badgroup', outcome: 'PASSED', groups: [{ uuid: 5 }] });
      assertValidation(obj, [{ input: 5, loc: ['groups', 0, 'uuid'], msg: 'Input should be a valid string', type: 'string_type' }]);
    });

    it('a body that is valid JSON but not an object is a 400 naming the body (deviation 2)', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const body of ['[]', '"x"', '0', 'null', '[{"testcase": "x", "outcome": "PASSED"}]']) {
        const r = await rejected(body);
        assertValidation(r, [{
          input: JSON.parse(body), loc: [], msg: 'Input should be a valid dictionary or instance of CreateResultParams', type: 'model_type',
        }]);
      }
    });

    it('malformed JSON is 400 {"message": "Bad request"}; nothing stored', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const body of ['{"testcase": "x", "outcome": "PASSED"', '', '{testcase: 1}']) {
        const r = await rejected(body);
        assert.equal(r.status, 400);
        assert.deepEqual(r.json, { message: 'Bad request' });
      }
    });

    it('a repeated JSON key keeps its last value, as Python json does, also beside literals kept exactly', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      // `1.0` makes the body go through the lossless parse as well as JSON.parse.
      const r = await post(app, URL_, '{"testcase": "post.dup", "outcome": "FAILED", "outcome": "PASSED", ' +
        '"data": {"arch": "x86_64", "v": 1.0, "arch": "noarch", "n": {"a": 1, "a": 2}}, "groups": [{"uuid": "g1", "uuid": "post-dup"}]}');
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.outcome, 'PASSED');
      assert.deepEqual(r.json.data, { arch: ['noarch'], n: ["{'a': 2}"], v: ['1.0'] });
      assert.deepEqual(r.json.groups, ['post-dup']);
    });

    it("NaN, Infinity and -Infinity are read as Python's json reads them (floats), not inside strings", async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const extra of ['', ', "f": 1.50']) {
        const r = await post(app, URL_, '{"testcase": "post.nan", "outcome": "PASSED", "note": "NaN, Infinity", ' +
          `"data": {"x": NaN, "y": Infinity, "z": -Infinity, "l": [NaN, -Infinity], "n": {"a": NaN}, "s": "NaN\\", Infinity"${extra}}}`);
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.note, 'NaN, Infinity');
        assert.deepEqual(r.json.data, {
          ...(extra ? { f: ['1.5'] } : {}), l: ['nan', '-inf'], n: ["{'a': nan}"], s: ['NaN", Infinity'], x: ['nan'], y: ['inf'], z: ['-inf'],
        });
      }
      const bad = await rejected('{"testcase": "post.nan", "outcome": "PASSED", "submit_time": NaN}');
      assert.deepEqual(bad.json.validation_error.map((e: { loc: unknown }) => e.loc), [['submit_time']]);
      for (const body of ['{"testcase": "post.nan", "outcome": "PASSED", "data": {"x": nan}}', '{"testcase": NaNa}']) {
        assert.deepEqual((await rejected(body)).json, { message: 'Bad request' });
      }
    });

    it('a UTF-8 byte order mark before the body is read as the encoding mark, not as content', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const literal of ['1', '1.0']) {
        const r = await post(app, URL_, `\ufeff{"testcase": "post.bom", "outcome": "PASSED", "data": {"v": ${literal}}}`);
        assert.equal(r.status, 201, r.text);
        assert.deepEqual(r.json.data, { v: [literal] });
      }
    });

    it('a data key with a colon is refused with the exact message before anything is stored', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const one = await rejected({ testcase: 'post.colon.new', outcome: 'PASSED', groups: ['post-colon-new'], data: { 'a:b': 1, ok: 'x' } });
      assert.equal(one.status, 400);
      assert.deepEqual(one.json, { message: "Colon not allowed in key name: ['a:b']" });
      const two = await rejected({ testcase: 'post.colon.new', outcome: 'PASSED', data: { 'a:b': 1, c: 2, 'item:like': 'x' } });
      assert.deepEqual(two.json, { message: "Colon not allowed in key name: ['a:b', 'item:like']" });
      // Neither the testcase nor the group of the refused POSTs exists.
      assert.equal((await get(app, '/api/v2.0/testcases/post.colon.new')).status, 404);
      assert.equal((await get(app, '/api/v2.0/groups/post-colon-new')).status, 404);
    });

    it('data values are stored with Python str() semantics; lists give several values', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const raw =
        '{"testcase": "post.data", "outcome": "PASSED", "data": {' +
        '"float": 1.0, "int": 5, "bool": true, "false": false, "none": null, "dict": {"a": 1}, "str": "s", "emptystr": "",' +
        '"list": ["x", 2, 1.5, false, null], "nested": [[1, "a"], {"b": [2.50]}], "big": 12345678901234567890,' +
        '"exp": 1e20, "small": 1.5e-7, "negzero": -0.0, "empty": [], "quote": ["it\'s"], "unicode": "\\u017e"}}';
      const r = await post(app, URL_, raw);
      assert.equal(r.status, 201, r.text);
      const expected = {
        big: ['12345678901234567890'],
        bool: ['True'],
        dict: ["{'a': 1}"],
        emptystr: [''],
        exp: ['1e+20'],
        false: ['False'],
        float: ['1.0'],
        int: ['5'],
        list: ['x', '2', '1.5', 'False', 'None'],
        negzero: ['-0.0'],
        nested: ["[1, 'a']", "{'b': [2.5]}"],
        none: ['None'],
        quote: ["it's"],
        small: ['1.5e-07'],
        str: ['s'],
        unicode: ['ž'],
      };
      assert.deepEqual(r.json.data, expected);
      assert.deepEqual((await getOk(app, `/api/v2.0/results/${r.json.id}`)).data, expected);
    });

    it('a testcase given as an object overwrites ref_url when the key is present (even null); a string never does', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const tcRef = async () => (await getOk(app, '/api/v2.0/testcases/post.tcref')).ref_url;
      const steps: [unknown, string | null][] = [
        [{ name: 'post.tcref', ref_url: 'http://a' }, 'http://a'],
        ['post.tcref', 'http://a'],
        [{ name: 'post.tcref' }, 'http://a'],
        [{ name: 'post.tcref', other: 'ignored' }, 'http://a'],
        [{ name: 'post.tcref', ref_url: 'http://b' }, 'http://b'],
        [{ name: 'post.tcref', ref_url: null }, null],
        [{ name: 'post.tcref', ref_url: 'http://c' }, 'http://c'],
      ];
      for (const [testcase, ref] of steps) {
        const r = await postResult(app, { testcase, outcome: 'PASSED' });
        assert.equal(r.testcase.ref_url, ref, JSON.stringify(testcase));
        assert.equal(await tcRef(), ref, JSON.stringify(testcase));
      }
    });

    it('groups as uuids and objects: created if missing, UUID1 generated, fields overwritten when present', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const first = await postResult(app, {
        testcase: 'post.groups',
        outcome: 'PASSED',
        groups: ['post-g1', { uuid: 'post-g2', description: 'd2', ref_url: 'http://g2' }, { description: 'generated' }],
      });
      assert.equal(first.groups.length, 3);
      assert.deepEqual(first.groups.slice(0, 2), ['post-g1', 'post-g2']);
      const gen = first.groups[2];
      assert.equal(gen.length, 36);
      assert.match(gen, UUID1);
      const group = (u: string) => getOk(app, `/api/v2.0/groups/${u}`);
      assert.deepEqual(await group('post-g1'), {
        description: null, href: `${V2}/groups/post-g1`, ref_url: null, results: `${V2}/results?groups=post-g1`, results_count: 1, uuid: 'post-g1',
      });
      assert.deepEqual(await group(gen), {
        description: 'generated', href: `${V2}/groups/${gen}`, ref_url: null, results: `${V2}/results?groups=${gen}`, results_count: 1, uuid: gen,
      });
      const g2 = async () => {
        const g = await group('post-g2');
        return [g.description, g.ref_url, g.results_count];
      };
      assert.deepEqual(await g2(), ['d2', 'http://g2', 1]);
      await postResult(app, { testcase: 'post.groups', outcome: 'PASSED', groups: ['post-g2'] });
      assert.deepEqual(await g2(), ['d2', 'http://g2', 2]);
      await postResult(app, { testcase: 'post.groups', outcome: 'PASSED', groups: [{ uuid: 'post-g2' }] });
      assert.deepEqual(await g2(), ['d2', 'http://g2', 3]);
      await postResult(app, { testcase: 'post.groups', outcome: 'PASSED', groups: [{ uuid: 'post-g2', description: null }] });
      assert.deepEqual(await g2(), [null, 'http://g2', 4]);
      await postResult(app, { testcase: 'post.groups', outcome: 'PASSED', groups: [{ uuid: 'post-g2', ref_url: '' }] });
      assert.deepEqual(await g2(), [null, '', 5]);
      // Two objects without uuid get two distinct new groups.
      const two = await postResult(app, { testcase: 'post.groups', outcome: 'PASSED', groups: [{}, {}] });
      assert.equal(new Set(two.groups).size, 2);
      for (const u of two.groups) assert.match(u, UUID1);
    });

    it('submit_time: milliseconds (number or numeric string) and datetime strings with every accepted suffix', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const cases: [unknown, string][] = [
        [1661324097123, '2022-08-24T06:54:57.123000'],
        ['1661324097123', '2022-08-24T06:54:57.123000'],
        [1661324097000, '2022-08-24T06:54:57'],
        [0, '1970-01-01T00:00:00'],
        [true, '1970-01-01T00:00:00.001000'],
        ['2022-08-24T06:54:57.123', '2022-08-24T06:54:57.123000'],
        ['2022-08-24T06:54:57.123Z', '2022-08-24T06:54:57.123000'],
        ['2022-08-24T06:54:57.123+00:00', '2022-08-24T06:54:57.123000'],
        ['2022-08-24T06:54:57.123+0000', '2022-08-24T06:54:57.123000'],
        ['2022-08-24T06:54:57.123+00', '2022-08-24T06:54:57.123000'],
        ['2022-08-24T06:54:57.123456', '2022-08-24T06:54:57.123456'],
        ['2020-01-01T00:00:00.5+02:00', '2019-12-31T22:00:00.500000'],
        ['2020-01-01T00:00:00.000001-0500', '2020-01-01T05:00:00.000001'],
        ['2020-01-01T00:00:00.0', '2020-01-01T00:00:00'],
      ];
      for (const [submit_time, expected] of cases) {
        const r = await postResult(app, { testcase: 'post.time', outcome: 'PASSED', submit_time });
        assert.equal(r.submit_time, expected, JSON.stringify(submit_time));
        assert.equal((await getOk(app, `/api/v2.0/results/${r.id}`)).submit_time, expected);
      }
    });

    it('submit_time omitted or null is the server time in UTC', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const body of [{}, { submit_time: null }]) {
        const before = Date.now();
        const r = await postResult(app, { testcase: 'post.now', outcome: 'PASSED', ...body });
        const after = Date.now();
        assert.match(r.submit_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
        const ms = Date.parse(r.submit_time + 'Z');
        // The server clock is monotonic and re-anchored on the wall clock only past 1 s of drift.
        assert.ok(ms >= before - 2000 && ms <= after + 2000, `${r.submit_time} not within 2 s of [${before}, ${after}]`);
      }
    });

    it('submit_time: any other form is a 400 quoting the input as Python repr', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const cases: [string, unknown, string][] = [
        ['{"submit_time": "2020-01-01T00:00:00"}', '2020-01-01T00:00:00', "'2020-01-01T00:00:00'"],
        ['{"submit_time": "now"}', 'now', "'now'"],
        ['{"submit_time": ""}', '', "''"],
        ['{"submit_time": "2020-13-01T00:00:00.1"}', '2020-13-01T00:00:00.1', "'2020-13-01T00:00:00.1'"],
        // Upstream answered 500 for a non-integer float (deviation 2).
        ['{"submit_time": 1577836800000.7}', 1577836800000.7, '1577836800000.7'],
        // past year 9999
        ['{"submit_time": 253402300800000}', 253402300800000, '253402300800000'],
      ];
      for (const [json, input, repr] of cases) {
        const body = json.replace('{', '{"testcase": "post.badtime", "outcome": "PASSED", ');
        assertValidation(await rejected(body), [{ input, loc: ['submit_time'], msg: submitMsg(repr), type: 'value_error' }]);
      }
    });

    it('a new testcase and group are created implicitly', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      await postResult(app, { testcase: 'post.implicit', outcome: 'PASSED', groups: ['post-implicit'] });
      assert.deepEqual(await getOk(app, '/api/v2.0/testcases/post.implicit'), {
        href: `${V2}/testcases/post.implicit`, name: 'post.implicit', ref_url: null,
      });
      assert.equal((await getOk(app, '/api/v2.0/groups/post-implicit')).results_count, 1);
    });
  });
}
