/**
 * The item cover: a result's filter index entry for `item` (result_data, key 'item') also carries
 * the result's stored texts (members_json, data_json, groups_json), and PostgreSQL indexes those
 * entries with the texts included. "The results of item X, newest first" (pages, /results/latest,
 * decisions) is then read from that index alone: one ordered range of a few index pages, where reading
 * each result's row cost PostgreSQL a btree descent and a heap page apiece (bench, 40 results of an
 * item: 380 → 83 µs of PostgreSQL CPU a query).
 */
export const COVERED_KEY = 'item';

/**
 * A btree index entry holds at most 2704 bytes (PostgreSQL's limit for btree version 4); the item
 * value, the texts and the entry's own overhead must fit. A result whose texts would not fit (a long
 * note, many data values) keeps its entry without them, and reads fetch those texts from its row.
 */
export const COVER_MAX_BYTES = 2400;

/** Whether the filter index entry (key, value) carries its result's texts: an `item` entry they fit in. */
export function carriesTexts(key: string, value: string, texts: readonly string[]): boolean {
  if (key !== COVERED_KEY) return false;
  let n = Buffer.byteLength(value);
  for (const t of texts) n += Buffer.byteLength(t);
  return n <= COVER_MAX_BYTES;
}
