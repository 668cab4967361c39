import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.ts';
import { membersJson } from '../../results/serialize.ts';
import { rewriteResults } from './rewrite.ts';

type Row = { id: number; submit_time: number; outcome: string; note: string | null; ref_url: string | null };

/**
 * result.members_json: note, outcome, ref_url and submit_time in their wire form, written with the
 * result so that pages write it out as it is (results/serialize.ts membersJson); rows written before
 * get theirs here. The default only lets both stores add the column to existing rows: every write sets it.
 */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('result').addColumn('members_json', dialect.text, (c) => c.notNull().defaultTo('')).execute();
  await rewriteResults<Row>(db, ['submit_time', 'outcome', 'note', 'ref_url'], 'members_json', (r) =>
    membersJson({ ...r, submit_time: Number(r.submit_time) }),
  );
}
