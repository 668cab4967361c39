/** Database URLs as serve's start-up log shows them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDatabaseUrl } from '../../src/store/connection.ts';

test('describeDatabaseUrl masks a PostgreSQL password and leaves SQLite locations as given', () => {
  assert.equal(describeDatabaseUrl('postgres://rdb:s3cret@db.example:5432/results'), 'postgres://rdb:***@db.example:5432/results');
  assert.equal(describeDatabaseUrl('postgresql://rdb@db/results'), 'postgresql://rdb@db/results');
  assert.equal(describeDatabaseUrl('sqlite:/var/lib/rdb.sqlite'), 'sqlite:/var/lib/rdb.sqlite');
  assert.equal(describeDatabaseUrl('data/rdb.sqlite'), 'data/rdb.sqlite');
});
