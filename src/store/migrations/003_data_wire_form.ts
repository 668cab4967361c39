import type { Kysely } from 'kysely';
import { dataJson } from '../../results/serialize.ts';
import { rewriteResults } from './rewrite.ts';

/**
 * result.data_json held [key, value] pairs; it now holds `data` in its wire form (sorted keys, value
 * lists), so pages write it out as it is instead of rebuilding it for every read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await rewriteResults<{ id: number; data_json: string }>(db, ['data_json'], 'data_json', (r) =>
    r.data_json.startsWith('[') ? dataJson(JSON.parse(r.data_json)) : undefined,
  );
}
