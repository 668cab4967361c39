import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './connection.ts';
import * as m001 from './migrations/001_initial.ts';
import * as m002 from './migrations/002_waivers_tokens.ts';
import * as m003 from './migrations/003_data_wire_form.ts';
import * as m004 from './migrations/004_result_members_json.ts';
import * as m005 from './migrations/005_item_cover.ts';
import * as m006 from './migrations/006_testcase_epoch.ts';

/** Versioned migrations, applied in name order; each receives the dialect so DDL differences stay here. */
const MIGRATIONS: Record<string, { up: typeof m001.up }> = {
  '001_initial': m001,
  '002_waivers_tokens': m002,
  '003_data_wire_form': m003,
  '004_result_members_json': m004,
  '005_item_cover': m005,
  '006_testcase_epoch': m006,
};

/** Applies the pending migrations; `upTo` (tests of a migration) stops after that one. */
export async function migrate(store: Store, upTo?: string): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(MIGRATIONS).map(([name, m]): [string, Migration] => [
          name,
          { up: (db) => m.up(db, store.dialect) },
        ]),
      ),
  };
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = await (upTo ? migrator.migrateTo(upTo) : migrator.migrateToLatest());
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
