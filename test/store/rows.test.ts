import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { objectRows } from '../../src/store/rows.ts';

const fields = (...names: string[]) => names.map((name) => ({ name }) as pg.FieldDef);
const result = (names: string[], rows: unknown[][]) => ({ command: 'SELECT', rowCount: rows.length, oid: 0, fields: fields(...names), rows }) as pg.QueryResult<unknown[]>;

describe('objectRows', () => {
  it('makes each array row the object pg would make, per list of column names', () => {
    const r = objectRows(result(['id', 'name', 'ref_url'], [[1, 'a', null], [2, 'b', 'u']]));
    assert.deepEqual(r.rows, [{ id: 1, name: 'a', ref_url: null }, { id: 2, name: 'b', ref_url: 'u' }]);
    assert.equal(r.rowCount, 2);
    // Another shape right after uses its own column names.
    assert.deepEqual(objectRows(result(['x'], [[7]])).rows, [{ x: 7 }]);
  });

  it('a repeated column name keeps the last value, and odd names are plain own properties', () => {
    const names = ['a', 'a', '__proto__', 'constructor', 'with "quotes" and \\', '1', 'é'];
    const [row] = objectRows(result(names, [[1, 2, 'p', 'c', 'q', 'one', 'e']])).rows as Record<string, unknown>[];
    assert.equal(row!.a, 2);
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.ok(Object.hasOwn(row!, '__proto__'));
    assert.deepEqual(Object.entries(row!).sort(), [['1', 'one'], ['__proto__', 'p'], ['a', 2], ['constructor', 'c'], ['with "quotes" and \\', 'q'], ['é', 'e']]);
  });

  it('leaves results without rows or columns as they are', () => {
    const empty = result(['id'], []);
    assert.equal(objectRows(empty), empty);
    const insert = { command: 'INSERT', rowCount: 1, oid: 0, fields: [], rows: [] } as unknown as pg.QueryResult<unknown[]>;
    assert.deepEqual(objectRows(insert).rows, []);
  });

  it('past the shapes it keeps, still builds every row right', () => {
    for (let i = 0; i < 2100; i++) assert.deepEqual(objectRows(result([`c${i}`, 'v'], [[i, 'x']])).rows, [{ [`c${i}`]: i, v: 'x' }]);
  });
});
