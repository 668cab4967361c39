import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.ts';

// Waivers are an append-only log (WaiverDB's model): "current" is computed per query from the
// highest id of a group. API tokens are stored as a public selector plus a hash of the secret.
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  const { bigId, text } = dialect;
  const pk = (c: any) => (bigId === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey());
  await db.schema
    .createTable('waiver')
    .addColumn('id', bigId, pk)
    .addColumn('subject_type', text, (c) => c.notNull())
    .addColumn('subject_identifier', text, (c) => c.notNull())
    .addColumn('testcase', text, (c) => c.notNull())
    .addColumn('scenario', text)
    .addColumn('product_version', text, (c) => c.notNull())
    // 0/1 on both stores, so no dialect difference leaks into queries.
    .addColumn('waived', 'integer', (c) => c.notNull())
    .addColumn('username', text, (c) => c.notNull())
    .addColumn('proxied_by', text)
    .addColumn('comment', text, (c) => c.notNull())
    /** µs since the epoch, UTC, like result.submit_time. */
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  // Decisions and +filtered look waivers up by subject (and then testcase); listings walk time.
  await db.schema
    .createIndex('waiver_subject')
    .on('waiver')
    .columns(['subject_type', 'subject_identifier', 'testcase'])
    .execute();
  await db.schema.createIndex('waiver_timestamp').on('waiver').columns(['timestamp', 'id']).execute();
  await db.schema.createIndex('waiver_testcase').on('waiver').column('testcase').execute();
  // GET /waivers/?subject_identifier=X without a type (WaiverDB indexes it alone too).
  await db.schema.createIndex('waiver_subject_identifier').on('waiver').column('subject_identifier').execute();

  await db.schema
    .createTable('api_token')
    .addColumn('id', bigId === 'integer' ? 'integer' : 'serial', pk)
    /** Public part of the token, looked up by index; the secret part is only compared as a hash. */
    .addColumn('selector', text, (c) => c.notNull().unique())
    .addColumn('secret_hash', text, (c) => c.notNull())
    .addColumn('username', text, (c) => c.notNull())
    .addColumn('groups_json', text, (c) => c.notNull())
    .addColumn('description', text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
}
