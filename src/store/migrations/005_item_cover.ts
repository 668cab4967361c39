import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.ts';
import { COVERED_KEY, COVER_MAX_BYTES } from '../itemCover.ts';

const TEXTS = ['members_json', 'data_json', 'groups_json'] as const;

/**
 * The item cover (store/itemCover.ts): result_data's `item` entries get copies of their result's
 * texts, and on PostgreSQL an index of those entries that includes them. SQLite reads an entry's row
 * by its rowid straight after the index entry anyway, so it needs no second index.
 */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  for (const c of TEXTS) await db.schema.alterTable('result_data').addColumn(c, dialect.text).execute();
  const bytes = sql.join([sql`d.value`, ...TEXTS.map((c) => sql`r.${sql.ref(c)}`)].map((e) => sql`octet_length(${e})`), sql` + `);
  await sql`UPDATE result_data AS d SET ${sql.join(TEXTS.map((c) => sql`${sql.ref(c)} = r.${sql.ref(c)}`))}
    FROM result AS r WHERE r.id = d.result_id AND d.key = ${COVERED_KEY} AND ${bytes} <= ${COVER_MAX_BYTES}`.execute(db);
  if (dialect.name === 'postgres') {
    await sql`CREATE INDEX result_data_item_cover ON result_data (value, submit_time, result_id)
      INCLUDE (testcase_id, ${sql.join(TEXTS.map((c) => sql.ref(c)))}) WHERE key = ${sql.lit(COVERED_KEY)}`.execute(db);
  }
}
