/** What PostgreSQL cannot store (NUL, over-long indexed values) is a 400 naming the field on both stores, never a 500. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { get, post, rowCounts } from '../helpers/http.ts';

const NUL_MSG = 'Value error, NUL characters are not allowed';
// Incompressible, so PostgreSQL could not squeeze it into a btree entry either.
const long = (bytes: number) => randomBytes(bytes).toString('hex').slice(0, bytes);

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
      ['NUL in a group description', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', groups: [{ description: '\u0000' }] }, ['groups', 0, 'description'], NUL_MSG],
      ['a data value past the index limit', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { item: long(3000) } }, ['data', 'item'],
        'Value error, a data key and value together must not exceed 2600 bytes'],
      ['a testcase name past the index limit', '/api/v2.0/results', { testcase: long(2700), outcome: 'PASSED' }, ['testcase'],
        'Value error, testcase name must not exceed 2600 bytes'],
      ['a group uuid past the index limit', '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', groups: [long(2700)] }, ['groups', 0],
        'Value error, group uuid must not exceed 2600 bytes'],
      ['NUL in a testcase upsert', '/api/v2.0/testcases', { name: 'x\u0000' }, ['name'], NUL_MSG],
      ['a testcase upsert past the index limit', '/api/v2.0/testcases', { name: long(2700) }, ['name'], 'Value error, name must not exceed 2600 bytes'],
      ['NUL in a group upsert', '/api/v2.0/groups', { uuid: 'u', ref_url: 'x\u0000' }, ['ref_url'], NUL_MSG],
      ['a group uuid upsert past the index limit', '/api/v2.0/groups', { uuid: long(2700) }, ['uuid'], 'Value error, uuid must not exceed 2600 bytes'],
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

    it('a value just under the limit is stored and found again by its filter', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const value = long(2600 - 'item'.length);
      const r = await post(app, '/api/v2.0/results', { testcase: 'a', outcome: 'PASSED', data: { item: value } });
      assert.equal(r.status, 201, r.text);
      const found = await get(app, `/api/v2.0/results?item=${value}`);
      assert.deepEqual(found.json.data.map((x: { id: number }) => x.id), [r.json.id]);
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
