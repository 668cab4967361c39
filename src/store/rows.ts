import type pg from 'pg';

/**
 * Rows as objects, built from pg's array rows by a function made once per list of column names.
 *
 * Why: pg builds object rows in one loop for every statement (`row[name] = value`), and once the
 * server has run statements of many shapes (decisions, pages, "latest") that loop's property stores
 * go megamorphic: it cost twice as much per row as after a warm-up on one endpoint alone (bench,
 * `_distinct_on` after the mixed warm-up: 21 vs 9 µs a request). A function per shape writes an
 * object literal whose keys are fixed, so each stays monomorphic.
 */
type Build = (values: unknown[]) => Record<string, unknown>;

const builders = new Map<string, Build>();
const MAX_SHAPES = 2000;

function builderFor(fields: readonly pg.FieldDef[]): Build {
  const names = fields.map((f) => f.name);
  const key = names.join('\u0000');
  let build = builders.get(key);
  if (build) return build;
  // Quoted names as keys; `__proto__` computed, so that it is an own property (as pg makes it) and not the prototype.
  const members = names.map((n, i) => `${n === '__proto__' ? `[${JSON.stringify(n)}]` : JSON.stringify(n)}: v[${i}]`);
  build = new Function('v', `return { ${members.join(', ')} };`) as Build;
  if (builders.size < MAX_SHAPES) builders.set(key, build);
  return build;
}

/** `result` of a query run with `rowMode: 'array'`, its rows turned into objects as pg would make them. */
export function objectRows(result: pg.QueryResult<unknown[]>): pg.QueryResult {
  const rows = result.rows;
  if (!rows.length || !result.fields?.length) return result as unknown as pg.QueryResult;
  const build = builderFor(result.fields);
  const objects: Record<string, unknown>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) objects[i] = build(rows[i]!);
  return Object.assign(result, { rows: objects }) as unknown as pg.QueryResult;
}
