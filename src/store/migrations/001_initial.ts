import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.ts';

// Indexes follow the queries that matter: data filters are EXISTS over (key, value, result_id),
// listings walk (submit_time, id), testcase filters and "latest" walk (testcase_id, submit_time).
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  const { bigId, text } = dialect;
  const pk = (c: any) => (bigId === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey());
  await db.schema
    .createTable('testcase')
    .addColumn('id', bigId === 'integer' ? 'integer' : 'serial', pk)
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('ref_url', text)
    .execute();
  await db.schema
    .createTable('result_group')
    .addColumn('id', bigId === 'integer' ? 'integer' : 'serial', pk)
    .addColumn('uuid', text, (c) => c.notNull().unique())
    .addColumn('description', text)
    .addColumn('ref_url', text)
    .execute();
  await db.schema
    .createTable('result')
    .addColumn('id', bigId, pk)
    .addColumn('testcase_id', 'integer', (c) => c.notNull().references('testcase.id'))
    .addColumn('submit_time', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
    .addColumn('note', text)
    .addColumn('ref_url', text)
    // The result's data pairs and group uuids as JSON, written once with the immutable result, so a
    // page is read from result rows alone; result_data and groups_to_results serve the filters.
    .addColumn('data_json', text, (c) => c.notNull())
    .addColumn('groups_json', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('result_submit_time_id').on('result').columns(['submit_time', 'id']).execute();
  await db.schema
    .createIndex('result_testcase_submit_time')
    .on('result')
    .columns(['testcase_id', 'submit_time'])
    .execute();
  await db.schema.createIndex('result_outcome').on('result').column('outcome').execute();
  // The filter index: one row per distinct (key, value) of a result, with the result's submit_time
  // and testcase,
  // so "results with item=X, newest first" is one ordered index range, whatever X's share of the table.
  await db.schema
    .createTable('result_data')
    .addColumn('result_id', 'bigint', (c) => c.notNull().references('result.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addColumn('submit_time', 'bigint', (c) => c.notNull())
    .addColumn('testcase_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('result_data_pk', ['result_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('result_data_key_value_time')
    .on('result_data')
    // testcase_id last: "latest per testcase for item=X" is then answered from the index alone.
    .columns(['key', 'value', 'submit_time', 'result_id', 'testcase_id'])
    .execute();
  await db.schema
    .createTable('groups_to_results')
    .addColumn('result_id', 'bigint', (c) => c.notNull().references('result.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('group_uuid', text, (c) => c.notNull().references('result_group.uuid'))
    .addPrimaryKeyConstraint('groups_to_results_pk', ['result_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('groups_to_results_group')
    .on('groups_to_results')
    .columns(['group_uuid', 'result_id'])
    .execute();
}
