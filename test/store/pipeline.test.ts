import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/connection.ts';
import { migrate } from '../../src/store/migrate.ts';
import { freshStore, postgresAvailable } from '../helpers/stores.ts';

// Statements outside transactions run on shared pipelined connections (src/store/pipeline.ts).
// Each store below has a pool of ONE connection, so a transaction holding it shows whether other
// statements went elsewhere.

const number = async (store: Store, n: number) => (await sql<{ n: number }>`select ${n}::int as n`.execute(store.db)).rows[0]!.n;
const pid = async (store: Store) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db)).rows[0]!.pid;

describe('pipelined connections (postgres)', () => {
  let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
  const stores: Store[] = [];
  const open = (pipelines: number) => {
    const store = openStore(ctx!.url, { poolSize: 1, pipelines });
    stores.push(store);
    return store;
  };
  /** A store whose pipelined connections are connected: until then statements go to the pool. */
  const openReady = async (pipelines: number) => {
    const store = open(pipelines);
    await number(store, 0); // the first statement starts the connections
    for (let i = 0; i < 200 && store.poolStats().pipelinedReady < pipelines; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(store.poolStats().pipelinedReady, pipelines);
    return store;
  };
  before(async () => {
    if (!(await postgresAvailable())) return;
    ctx = await freshStore('postgres');
    await ctx.store.db.insertInto('testcase').values({ name: 'p.tc', ref_url: null }).execute();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await ctx?.dispose();
  });

  it('until its pipelined connections are connected, statements go to the pool, which names a failure', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const store = open(2);
    assert.equal(store.poolStats().pipelinedReady, 0);
    assert.equal(await number(store, 3), 3);
    const ready = await openReady(2);
    assert.equal(ready.poolStats().pipelined, 2);
    const bad = openStore(ctx.url.replace('resultsdb:resultsdb@', 'resultsdb:wrong@'), { poolSize: 1, pipelines: 2 });
    stores.push(bad);
    await assert.rejects(number(bad, 1), /password authentication failed/);
  });

  it('concurrent statements each get their own answer, and one failing fails alone', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const store = open(2);
    const answers = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => (i === 17 ? sql`select 1 / 0`.execute(store.db) : number(store, i))),
    );
    answers.forEach((a, i) => {
      if (i === 17) assert.equal(a.status === 'rejected' && (a.reason as { code?: string }).code, '22012');
      else assert.deepEqual(a, { status: 'fulfilled', value: i });
    });
    assert.equal(await number(store, 99), 99);
  });

  it('a transaction has a connection of its own: others neither wait for it nor see it before commit', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const store = await openReady(2);
    const names = () => store.db.selectFrom('testcase').select('name').orderBy('name').execute().then((r) => r.map((x) => x.name));
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('testcase').values({ name: 'p.uncommitted', ref_url: null }).execute();
      // The pool's only connection is this transaction's: these run on the pipelined ones.
      const outside = await Promise.all([names(), names(), number(store, 5)]);
      assert.deepEqual(outside, [['p.tc'], ['p.tc'], 5]);
      const inside = await trx.selectFrom('testcase').select('name').orderBy('name').execute();
      assert.deepEqual(inside.map((r) => r.name), ['p.tc', 'p.uncommitted']);
    });
    assert.deepEqual(await names(), ['p.tc', 'p.uncommitted']);
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('testcase').values({ name: 'p.rolled_back', ref_url: null }).execute();
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.deepEqual(await names(), ['p.tc', 'p.uncommitted']);
    // With settings, Kysely starts it as `start transaction …`.
    await store.db.transaction().setIsolationLevel('serializable').execute(async (trx) => {
      await trx.insertInto('testcase').values({ name: 'p.serializable', ref_url: null }).execute();
      assert.deepEqual(await Promise.all([names(), names()]), [['p.tc', 'p.uncommitted'], ['p.tc', 'p.uncommitted']]);
    });
    assert.deepEqual(await names(), ['p.serializable', 'p.tc', 'p.uncommitted']);
  });

  it('a slow statement does not hold up the statements sent after it', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const store = open(1);
    let slowDone = false;
    const slow = sql`select pg_sleep(1)`.execute(store.db).then(() => (slowDone = true));
    await sleep(100); // the slow one is now at the head of the only pipelined connection
    // Were they queued behind it, they would answer after it.
    const quick = await Promise.all(Array.from({ length: 5 }, (_, i) => number(store, i)));
    assert.deepEqual(quick, [0, 1, 2, 3, 4]);
    assert.equal(slowDone, false);
    await slow;
  });

  it('a lost pipelined connection fails nothing sent later, and comes back', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const store = open(1);
    const shared = await pid(store);
    const admin = new pg.Client({ connectionString: ctx.url });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [shared]);
    } finally {
      await admin.end();
    }
    await sleep(200); // the client notices the closed socket
    assert.equal(await number(store, 7), 7);
    await sleep(1200); // past the reconnection delay
    await number(store, 8); // starts the reconnection
    await sleep(300);
    // Holding the pool's only connection: statements outside can only run on a pipelined one again.
    await store.db.transaction().execute(async () => {
      const back = await Promise.race([pid(store), sleep(3000).then(() => 'waited for the pool')]);
      assert.equal(typeof back, 'number');
      assert.notEqual(back, shared);
    });
  });

  it('the migrator\'s session lock is taken and released on one connection of its own', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    // Were the lock left behind (by this store's or the test database's migration), migrating would wait for it.
    const migrated = (store: Store) => Promise.race([migrate(store).then(() => 'migrated'), sleep(5000).then(() => 'waited for the lock')]);
    assert.equal(await migrated(open(2)), 'migrated');
    const held = await sql<{ n: number }>`
      select count(*)::int as n from pg_locks
      where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`.execute(ctx.store.db);
    assert.equal(held.rows[0]!.n, 0);
    assert.equal(await migrated(open(2)), 'migrated');
  });

  it('with no pipelined connections, statements outside a transaction wait for the pool', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const store = open(0);
    await store.db.transaction().execute(async () => {
      const outside = await Promise.race([number(store, 1), sleep(500).then(() => 'waited')]);
      assert.equal(outside, 'waited');
    });
  });
});
