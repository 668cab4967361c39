import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp, type AppOptions } from '../../src/http/app.ts';
import { allowedOutcomes } from '../../src/results/outcomes.ts';
import { openStore, type Store } from '../../src/store/connection.ts';
import { migrate } from '../../src/store/migrate.ts';

/** Admin URL of the PostgreSQL the services script starts; each test file gets its own fresh database. */
export const PG_ADMIN_URL = process.env.RESULTSDB_TEST_PG_URL ?? 'postgres://resultsdb:resultsdb@127.0.0.1:5432/postgres';

let pgAvailable: Promise<boolean> | undefined;

/** Whether PostgreSQL tests can run; with CI=true its absence is a failure, never a skip. */
export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch (e) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required with CI=true but unreachable at ${PG_ADMIN_URL}: ${(e as Error).message}`);
      console.error(`\n*** PostgreSQL unreachable at ${PG_ADMIN_URL} (${(e as Error).message}): SKIPPING PostgreSQL tests. Run scripts/services.sh. ***\n`);
      return false;
    }
  })();
  return pgAvailable;
}

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

/** A migrated (up to `upTo`, else fully), empty store of the given kind, dropped again by `dispose`. */
export async function freshStore(kind: StoreKind, upTo?: string): Promise<{ store: Store; url: string; dispose: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const url = 'sqlite::memory:';
    const store = openStore(url);
    await migrate(store, upTo);
    return { store, url, dispose: () => store.close() };
  }
  const name = `resultsdb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const store = openStore(url, { poolSize: 4 });
  await migrate(store, upTo);
  return {
    store,
    url,
    dispose: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof buildApp>> & { store: Store; dispose: () => Promise<void> };

/** The whole HTTP application on a fresh store, driven in-process with `app.inject`. */
export async function testApp(kind: StoreKind, opts: Partial<AppOptions> & { extraOutcomes?: string[] } = {}): Promise<TestApp> {
  const { store, dispose } = await freshStore(kind);
  const app = await buildApp({
    store,
    outcomes: allowedOutcomes(opts.extraOutcomes ?? ['AMAZING']),
    maxLimit: 1000,
    bodyLimit: 1024 * 1024,
    logger: false,
    ...opts,
  });
  return Object.assign(app, {
    store,
    dispose: async () => {
      await app.close();
      await dispose();
    },
  });
}
