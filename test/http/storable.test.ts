/**
 * What PostgreSQL cannot store is a 400 naming the field, never a 500: NUL characters on both stores,
 * and a value too large for an index entry even compressed on PostgreSQL (SQLite stores it). Long
 * values that compress are stored on both, as upstream stored them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { get, post, rowCounts } from '../helpers/http.ts';

const NUL_MSG = 'Value error, NUL characters are not allowed';
const SURROGATE_MSG = 'Value error, unpaired surrogate characters are not allowed';
// Incompressible, so PostgreSQL cannot squeeze it into a btree entry.
const long = (bytes: number) => randomBytes(bytes).toString('base64').slice(0, bytes);
const INDEX_LIMIT = "too large to index, even compressed (PostgreSQL's limit is 2704 bytes)";

for (const kind of STORE_KINDS) {
  describe(`values the store cannot hold (${kind})`, async () => {
    let app: TestApp;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
    });
    after(() => app?.dispose());

    const bodies: [string, string, unknown, (string | number)[], string][] = [
      ['NUL in the testcase name', '/api/v2.0/results', { testcase: 'a\u0000b', outcome: 'PASSED' }, ['testcase'], NUL_MSG],
      ['NUL in the note', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', note: 'x\u0000' }, ['note'], NUL_MSG],
      ['NUL in a data key', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { 'k\u0000': 'v' } }, ['data', 'k\u0000'], NUL_MSG],
      ['NUL in a data value list', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { k: ['ok', 'v\u0000'] } }, ['data', 'k', 1], NUL_MSG],
      ['an unpaired surrogate in a data value', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { k: 'a\ud800b' } }, ['data', 'k'], SURROGATE_MSG],
      ['an unpaired low surrogate in a data key', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { ['\udc00k']: 'v' } }, ['data', '\udc00k'], SURROGATE_MSG],
      ['an unpaired surrogate in the testcase name', '/api/v2.0/results', { testcase: 'x\udbff', outcome: 'PASSED' }, ['testcase'], SURROGATE_MSG],
      ['an unpaired surrogate in a group upsert', '/api/v2.0/groups', { uuid: '\ud83d' }, ['uuid'], SURROGATE_MSG],
      ['NUL in a group description', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', groups: [{ description: '\u0000' }] }, ['groups', 0, 'description'], NUL_MSG],
      ['NUL in a testcase upsert', '/api/v2.0/testcases', { name: 'x\u0000' }, ['name'], NUL_MSG],
      ['NUL in a group upsert', '/api/v2.0/groups', { uuid: 'u', ref_url: 'x\u0000' }, ['ref_url'], NUL_MSG],
    ];
    for (const [what, url, body, loc, msg] of bodies) {
      it(`POST ${url}: ${what} is a 400 naming the field, nothing written`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const before = await rowCounts(app);
        const r = await post(app, url, body);
        assert.equal(r.status, 400, r.text);
        assert.deepEqual(r.json.validation_error.map((e: { loc: unknown }) => e.loc), [loc]);
        assert.equal(r.json.validation_error[0].msg, msg);
        assert.deepEqual(await rowCounts(app), before);
      });
    }

    it('a NUL or unpaired surrogate nested in an object or list of data is stored escaped in its Python repr; pairs are text', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await post(app, '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { k: { a: '\u0000' }, l: [['x\u0000', 'y\ud800']], e: '😀' } });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.data, { e: ['😀'], k: ["{'a': '\\x00'}"], l: ["['x\\x00', 'y\\ud800']"] });
      assert.deepEqual((await get(app, '/api/v2.0/results?e=%F0%9F%98%80')).json.data.map((x: { id: number }) => x.id), [r.json.id]);
    });

    it('long values that compress are stored and found again, as upstream stored them', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      // No comma: a data filter splits its value on commas (upstream too).
      const traceback = 'Traceback (most recent call last):\n  File "x.py" line 1 in <module>\n'.repeat(300);
      const name = `tc.${'long.'.repeat(2000)}`;
      const uuid = `g-${'0123456789'.repeat(1000)}`;
      const r = await post(app, '/api/v2.0/results', { testcase: name, outcome: 'FAILED', groups: [uuid], data: { traceback } });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.data, { traceback: [traceback] });
      const found = await get(app, `/api/v2.0/results?traceback=${encodeURIComponent(traceback)}`);
      assert.deepEqual(found.json.data.map((x: { id: number }) => x.id), [r.json.id]);
      const liked = await get(app, `/api/v2.0/results?traceback:like=*${encodeURIComponent('line 1 in <module>\n')}`);
      assert.deepEqual(liked.json.data.map((x: { id: number }) => x.id), [r.json.id]);
      assert.equal((await get(app, `/api/v2.0/testcases/${name}`)).status, 200);
      assert.equal((await get(app, `/api/v2.0/groups/${uuid}/results`)).json.data.length, 1);
    });

    // Over a page (8 kB) PostgreSQL no longer names the index: the largest indexed value is named.
    const tooLarge: [string, string, (v: string) => unknown, (string | number)[], string][] = [
      ['a data value', '/api/v2.0/results', (v) => ({ testcase: 'a', outcome: 'PASSED', data: { item: 'x', big: v } }), ['data', 'big'], 'a data key and value together are'],
      ['a testcase name', '/api/v2.0/results', (v) => ({ testcase: v, outcome: 'PASSED', data: { item: 'x' } }), ['testcase'], 'the testcase name is'],
      ['a group uuid', '/api/v2.0/results', (v) => ({ testcase: 'a', outcome: 'PASSED', groups: ['ok', v] }), ['groups', 1], 'the group uuid is'],
      ['a testcase upsert', '/api/v2.0/testcases', (v) => ({ name: v }), ['name'], 'the name is'],
      ['a group upsert', '/api/v2.0/groups', (v) => ({ uuid: v }), ['uuid'], 'the uuid is'],
    ];
    for (const [what, url, body, loc, msg] of tooLarge) {
      for (const bytes of [4000, 20000]) {
        it(`POST ${url}: ${what} of ${bytes} incompressible bytes: ${kind === 'postgres' ? 'a 400 naming the field, nothing written' : 'stored'}`, async (t) => {
          if (!app) return t.skip('PostgreSQL unavailable');
          const before = await rowCounts(app);
          const r = await post(app, url, body(long(bytes)));
          if (kind === 'sqlite') return assert.equal(r.status, 201, r.text);
          assert.equal(r.status, 400, r.text);
          assert.deepEqual(r.json.validation_error.map((e: { loc: unknown }) => e.loc), [loc]);
          assert.equal(r.json.validation_error[0].msg, `Value error, ${msg} ${INDEX_LIMIT}`);
          assert.deepEqual(await rowCounts(app), before);
        });
      }
    }

    it(`POST /api/v2.0/results: a known testcase's result (one statement on PostgreSQL) with a value too large to index: ${kind === 'postgres' ? 'a 400 naming it, nothing written' : 'stored'}`, async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.equal((await post(app, '/api/v2.0/results', { testcase: 'known.tc', outcome: 'PASSED', data: { item: 'x' } })).status, 201);
      const before = await rowCounts(app);
      const r = await post(app, '/api/v2.0/results', { testcase: 'known.tc', outcome: 'PASSED', data: { item: 'x', big: long(20000) } });
      if (kind === 'sqlite') return assert.equal(r.status, 201, r.text);
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.json.validation_error.map((e: { loc: unknown }) => e.loc), [['data', 'big']]);
      assert.equal(r.json.validation_error[0].msg, `Value error, a data key and value together are ${INDEX_LIMIT}`);
      assert.deepEqual(await rowCounts(app), before);
    });

    for (const [url, status, message] of [
      ['/api/v2.0/results?item=a%00b', 400, "Query parameter 'item' must not contain NUL characters"],
      ['/api/v2.0/results?item:like=a%00*', 400, "Query parameter 'item:like' must not contain NUL characters"],
      ['/api/v2.0/results/latest?testcases=a%00', 400, "Query parameter 'testcases' must not contain NUL characters"],
      ['/api/v2.0/testcases?name=%00', 400, "Query parameter 'name' must not contain NUL characters"],
      ['/api/v2.0/groups?description=%00', 400, "Query parameter 'description' must not contain NUL characters"],
      ['/api/v2.0/testcases/a%00b', 404, 'Not found'],
      ['/api/v2.0/groups/a%00b/results', 404, 'Not found'],
    ] as const) {
      it(`GET ${url} is a ${status}, not a 500`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const r = await get(app, url);
        assert.equal(r.status, status, r.text);
        assert.deepEqual(r.json, { message });
      });
    }
  });
}
